using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Linear layers: off the tile grids, past the GEMM blockings, at unaligned views.
public static partial class ParityCases
{
    private enum Input { Write, Accumulate, None, NoneWithAccumulateFlag }

    private static IEnumerable<ParityCase> Matmul()
    {
        // Off the GEMM tile grid (ILGPU's CPU accelerator's tile edge is 4).
        foreach (var (N, I, O) in new[] { (1, 1, 1), (5, 7, 3), (9, 4, 13), (11, 9, 6) })
        {
            yield return new($"MatmulForward N{N} I{I} O{O}", ShapeSet.Small, o => MatmulForward(o, N, I, O, bias: true));
            yield return new($"MatmulForward no bias N{N} I{I} O{O}", ShapeSet.Small, o => MatmulForward(o, N, I, O, bias: false));
            yield return new($"MatmulBackward N{N} I{I} O{O}", ShapeSet.Small, o => MatmulBackward(o, N, I, O, Input.Write, bias: true));
            yield return new($"MatmulBackward accumulate N{N} I{I} O{O}", ShapeSet.Small, o => MatmulBackward(o, N, I, O, Input.Accumulate, bias: true));
            yield return new($"MatmulBackward dweight only N{N} I{I} O{O}", ShapeSet.Small, o => MatmulBackward(o, N, I, O, Input.None, bias: false));
            yield return new($"MatmulBackward dweight only, accumulate flag N{N} I{I} O{O}", ShapeSet.Small,
                o => MatmulBackward(o, N, I, O, Input.NoneWithAccumulateFlag, bias: false));
        }
        yield return new("MatmulForward no bias offset 3 N65 I33 O17", ShapeSet.Small, At(3, o => MatmulForward(o, 65, 33, 17, bias: false)));
        yield return new("MatmulBackward no dbias offset 3 N65 I33 O17", ShapeSet.Small, At(3, o => MatmulBackward(o, 65, 33, 17, Input.Write, bias: false)));
        yield return new("MatmulBackward accumulate no dbias offset 3 N65 I33 O17", ShapeSet.Small,
            At(3, o => MatmulBackward(o, 65, 33, 17, Input.Accumulate, bias: false)));
        foreach (var s in LayerShape.Medium)
        {
            yield return new($"MatmulForward qkv {s}", ShapeSet.Medium, o => MatmulForward(o, s.N, s.H, 3 * s.H, bias: true));
            yield return new($"MatmulBackward qkv {s}", ShapeSet.Medium, o => MatmulBackward(o, s.N, s.H, 3 * s.H, Input.Write, bias: true));
        }
        // Past the managed GEMM's blocking (Kc 256, Nc 512) and tile edges, and past the parallel grains.
        yield return new("MatmulForward no bias N70 I33 O17", ShapeSet.Medium, o => MatmulForward(o, 70, 33, 17, bias: false));
        yield return new("MatmulForward N140 I300 O530", ShapeSet.Medium, o => MatmulForward(o, 140, 300, 530, bias: true));
        yield return new("MatmulBackward N300 I140 O265", ShapeSet.Medium, o => MatmulBackward(o, 300, 140, 265, Input.Write, bias: true));
        yield return new("MatmulBackward accumulate N37 I19 O45", ShapeSet.Medium, o => MatmulBackward(o, 37, 19, 45, Input.Accumulate, bias: false));
        yield return new("MatmulBackward no dinput N37 I19 O45", ShapeSet.Medium, o => MatmulBackward(o, 37, 19, 45, Input.None, bias: true));
        // BERT-base's FFN at unaligned views.
        yield return new("MatmulForward ffn offset 1 N37 I768 O3072", ShapeSet.Medium, At(1, o => MatmulForward(o, 37, 768, 3072, bias: true)));
        yield return new("MatmulBackward ffn offset 1 N37 I768 O3072", ShapeSet.Medium, At(1, o => MatmulBackward(o, 37, 768, 3072, Input.Write, bias: true)));
        yield return new("MatmulBackward ffn accumulate offset 1 N37 I768 O3072", ShapeSet.Medium,
            At(1, o => MatmulBackward(o, 37, 768, 3072, Input.Accumulate, bias: true)));
        // The book's fused QKV over a whole batch.
        yield return new("MatmulForward qkv N32768 I128 O384", ShapeSet.Large, o => MatmulForward(o, 512 * 64, 128, 384, bias: true));
        yield return new("MatmulBackward qkv N32768 I128 O384", ShapeSet.Large, o => MatmulBackward(o, 512 * 64, 128, 384, Input.Write, bias: true));
        yield return new("MatmulBackward qkv accumulate N32768 I128 O384", ShapeSet.Large, o => MatmulBackward(o, 512 * 64, 128, 384, Input.Accumulate, bias: true));
    }

    private static void MatmulForward(OpSession o, int N, int I, int O, bool bias)
    {
        double[] x = o.Floats(N * I), w = o.Floats(O * I), b = o.Floats(O), expected = new double[N * O];
        ReferenceOps.MatmulForward(expected, x, w, bias ? b : null, N, I, O);
        var output = o.Poisoned(N * O);
        o.Backend.MatmulForward(output, o.Upload(x), o.Upload(w), bias ? o.Upload(b) : null, N, I, O);
        o.Check("output", expected, output);
    }

    /// <summary>dweight and dbias add onto what they hold; dinput is written or, with the flag, added to.
    /// A null dinput or dbias leaves its buffer alone.</summary>
    private static void MatmulBackward(OpSession o, int N, int I, int O, Input input, bool bias)
    {
        bool accumulate = input is Input.Accumulate or Input.NoneWithAccumulateFlag, hasInput = input is Input.Write or Input.Accumulate;
        double[] x = o.Floats(N * I), w = o.Floats(O * I), up = o.Floats(N * O);
        double[] dx = o.Floats(N * I), dw = o.Floats(O * I), db = o.Floats(O);
        FloatView dxView = input == Input.Accumulate ? o.Upload(dx) : o.Poisoned(N * I), dwView = o.Upload(dw), dbView = o.Upload(db);
        ReferenceOps.MatmulBackward(hasInput ? dx : null, accumulate, dw, bias ? db : null, up, x, w, N, I, O);
        o.Backend.MatmulBackward(hasInput ? dxView : null, accumulate, dwView, bias ? dbView : null,
            o.Upload(up), o.Upload(x), o.Upload(w), N, I, O);
        if (hasInput) o.Check("dinput", dx, dxView);
        else Assert.That(o.Download(dxView), Is.All.NaN, "dinput null must leave other memory alone");
        o.Check("dweight", dw, dwView);
        if (bias) o.Check("dbias", db, dbView);
        else Assert.That(o.Download(dbView), Is.EqualTo(db), "dbias null must leave other memory alone");
    }
}
