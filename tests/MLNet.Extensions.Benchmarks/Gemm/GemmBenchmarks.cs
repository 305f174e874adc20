using BenchmarkDotNet.Attributes;
using MLNet.Extensions.Benchmarks.Common;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Benchmarks.Gemm;

/// <summary>
/// GEMM C = A B at the sizes the issue names, on 1 and 2 threads, next to a naive i-k-j loop (vectorized by the JIT over
/// contiguous rows) for the sizes where it finishes in reasonable time. GFLOPS = 2 M N K / median time.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    /// <summary>M x N x K.</summary>
    [Params("64x784x128", "256x256x256", "1024x1024x1024", "2048x2048x2048")]
    public string Size { get; set; } = "";

    /// <summary>Kernel threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    private int M => int.Parse(Size.Split('x')[0]);
    private int N => int.Parse(Size.Split('x')[1]);
    private int K => int.Parse(Size.Split('x')[2]);

    /// <summary>Allocates and fills the operands once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _a = Enumerable.Range(0, M * K).Select(_ => (float)random.NextDouble()).ToArray();
        _b = Enumerable.Range(0, K * N).Select(_ => (float)random.NextDouble()).ToArray();
        _c = new float[M * N];
        KernelSettings.ThreadCount = Threads;
    }

    /// <summary>The blocked, packed GEMM.</summary>
    [Benchmark]
    public void Blocked() => Kernels.Gemm.Gemm.Multiply(Transpose.No, Transpose.No, M, N, K, 1f, _a, _b, 0f, _c);

    /// <summary>The naive baseline (single-threaded; skipped above 256^3 where it would take minutes).</summary>
    [Benchmark(Baseline = true)]
    public void Naive()
    {
        if ((long)M * N * K > 256L * 256 * 256)
            return;
        int m = M, n = N, k = K;
        Array.Clear(_c);
        for (int i = 0; i < m; i++)
        {
            Span<float> c = _c.AsSpan(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float a = _a[i * k + p];
                ReadOnlySpan<float> b = _b.AsSpan(p * n, n);
                for (int j = 0; j < n; j++)
                    c[j] += a * b[j];
            }
        }
    }
}
