/* A stand-in for libnccl.so.2 in the tests: exports the NCCL functions the binding uses, with the names and
 * argument lists of NCCL's public header nccl.h (checked by hand against NVIDIA/nccl src/nccl.h.in), so the
 * binding's entry-point names are tested without NCCL installed. -DSTUB_VERSION sets ncclGetVersion's answer;
 * -DOMIT_FINALIZE leaves ncclCommFinalize out. ncclGetUniqueId writes a fixed pattern that includes float bit
 * patterns a lossy copy would change (a signalling NaN, negative zero, a denormal). */
#include <stddef.h>
#include <string.h>

#ifndef STUB_VERSION
#define STUB_VERSION 22304
#endif

typedef struct { char internal[128]; } ncclUniqueId;

int ncclGetVersion(int* version) { *version = STUB_VERSION; return 0; }

int ncclGetUniqueId(ncclUniqueId* id) {
    static const unsigned char special[12] = {0x01, 0x00, 0x80, 0x7f, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00};
    for (int i = 0; i < 128; i++) id->internal[i] = (char)((i * 73 + 5) & 0xff);
    memcpy(id->internal, special, sizeof special);
    return 0;
}

int ncclCommInitRankConfig(void** comm, int nranks, ncclUniqueId commId, int rank, void* config) {
    (void)nranks; (void)commId; (void)rank; (void)config;
    *comm = NULL;
    return 0;
}
int ncclCommGetAsyncError(void* comm, int* asyncError) { (void)comm; *asyncError = 0; return 0; }
const char* ncclGetErrorString(int result) { (void)result; return "stub"; }
const char* ncclGetLastError(void* comm) { (void)comm; return ""; }
int ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, int datatype, int op, void* comm, void* stream) {
    (void)sendbuff; (void)recvbuff; (void)count; (void)datatype; (void)op; (void)comm; (void)stream;
    return 0;
}
int ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, int datatype, int root, void* comm, void* stream) {
    (void)sendbuff; (void)recvbuff; (void)count; (void)datatype; (void)root; (void)comm; (void)stream;
    return 0;
}
#ifndef OMIT_FINALIZE
int ncclCommFinalize(void* comm) { (void)comm; return 0; }
#endif
int ncclCommDestroy(void* comm) { (void)comm; return 0; }
int ncclCommAbort(void* comm) { (void)comm; return 0; }
