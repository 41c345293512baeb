// Guard-page mode (BN_SIM_GUARD_PAGES=1): a SIGSEGV while a simulated thread runs becomes a kernel
// fault naming the allocation, kernel, block and thread (blocks.cpp builds the message). The handler
// runs on an alternate stack where the thread has none (a fiber's stack overflow faults too) and
// siglongjmps back to the block scheduler, which abandons the faulting fiber. A SIGSEGV anywhere
// else goes to the handler that was installed before ours (the .NET runtime has one), or the default.
#include <signal.h>
#include <setjmp.h>

#include <cstdlib>

#include "internal.h"

namespace bn_sim {
namespace {

struct sigaction previous;
thread_local sigjmp_buf* landing = nullptr;
thread_local const void* fault_address = nullptr;

void on_segv(int signal, siginfo_t* info, void* context) {
    if (landing) {
        fault_address = info->si_addr;
        siglongjmp(*landing, 1);
    }
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) return previous.sa_sigaction(signal, info, context);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        return previous.sa_handler(signal);
    }
    // No handler before ours: fault again with the default action (a crash with a core dump).
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGSEGV, &fallback, nullptr);
}

void install() {
    static bool installed = [] {
        struct sigaction action {};
        action.sa_sigaction = on_segv;
        sigemptyset(&action.sa_mask);
        // SA_NODEFER: SIGSEGV stays unblocked after the siglongjmp, so sigsetjmp need not save the mask.
        action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigaction(SIGSEGV, &action, &previous);
        return true;
    }();
    (void)installed;
    // An alternate stack for this thread, unless it has one (the .NET runtime gives its threads one).
    thread_local bool has_stack = [] {
        stack_t current{};
        sigaltstack(nullptr, &current);
        if (!(current.ss_flags & SS_DISABLE)) return true;
        stack_t mine{};
        mine.ss_size = 64 * 1024;
        mine.ss_sp = std::malloc(mine.ss_size);  // kept for the thread's life
        mine.ss_flags = 0;
        return sigaltstack(&mine, nullptr) == 0;
    }();
    (void)has_stack;
}

}  // namespace

bool run_catching_segv(const std::function<void()>& resume, const void** address) {
    if (!config().guard_pages) {
        resume();
        return true;
    }
    install();
    sigjmp_buf here;
    if (sigsetjmp(here, 0) != 0) {
        landing = nullptr;
        *address = fault_address;
        return false;
    }
    landing = &here;
    resume();
    landing = nullptr;
    return true;
}

}  // namespace bn_sim
