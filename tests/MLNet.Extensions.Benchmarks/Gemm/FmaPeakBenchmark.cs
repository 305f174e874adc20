using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using MLNet.Extensions.Benchmarks.Common;

namespace MLNet.Extensions.Benchmarks.Gemm;

/// <summary>
/// The machine's single-thread FMA peak: 12 independent Vector512 (and Vector256) FMA chains, enough to hide the latency,
/// for 10 million iterations. GFLOPS = iterations * 12 chains * lanes * 2 / median time.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class FmaPeakBenchmark
{
    private const int Iterations = 10_000_000;

    /// <summary>12 x 16 lanes x 2 flops per iteration.</summary>
    [Benchmark]
    public float Vector512Fma() => Chains512(Iterations);

    /// <summary>12 x 8 lanes x 2 flops per iteration.</summary>
    [Benchmark(Baseline = true)]
    public float Vector256Fma() => Chains256(Iterations);

    /// <summary>12 independent Vector512 FMA chains for <paramref name="iterations"/> steps; the other peak measurements call it too.</summary>
    public static float Chains512(int iterations)
    {
        var m = Vector512.Create(0.9999f);
        var a = Vector512.Create(1e-3f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    /// <summary>12 independent Vector256 FMA chains for <paramref name="iterations"/> steps.</summary>
    public static float Chains256(int iterations)
    {
        var m = Vector256.Create(0.9999f);
        var a = Vector256.Create(1e-3f);
        Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
