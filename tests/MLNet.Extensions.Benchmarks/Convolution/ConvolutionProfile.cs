using System.Diagnostics;
using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Convolution;

namespace MLNet.Extensions.Benchmarks.Convolution;

/// <summary>
/// Per-pass times of the LeNet convolutions (batch 64) with GFLOPS and their share of the machine's FMA peak, measured
/// in the same run (all kernel threads running 12 independent FMA chains at once), so a shared machine's load shows in
/// both. Prints the median and the best of many repetitions.
/// </summary>
public static class ConvolutionProfile
{
    private const int Repetitions = 60;

    /// <summary>Runs the profile with <paramref name="threads"/> kernel threads (the configured count when 0).</summary>
    public static void Run(int threads = 0)
    {
        if (threads > 0)
            KernelSettings.ThreadCount = threads;
        threads = KernelSettings.ThreadCount;
        double peak = FmaPeak(threads);
        Console.WriteLine($"FMA peak ({threads} threads, {KernelSettings.EffectiveVectorWidth}): {peak:F0} GFLOPS");
        Profile("conv 1->16 5x5 pad 2 on 28x28", new Conv2dShape(64, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2), peak);
        Profile("conv 16->32 5x5 pad 2 on 14x14", new Conv2dShape(64, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2), peak);
    }

    private static void Profile(string name, Conv2dShape s, double peak)
    {
        var random = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] input = Fill(s.InputSize), weights = Fill(s.WeightSize), bias = Fill(s.OutChannels), output = new float[s.OutputSize];
        float[] dOutput = Fill(s.OutputSize), dInput = new float[s.InputSize], dWeights = new float[s.WeightSize], dBias = new float[s.OutChannels];
        float[] workspace = new float[Conv2d.WorkspaceSize(s)];
        double flops = 2.0 * s.Batch * s.OutChannels * s.OutHeight * s.OutWidth * s.InChannels * s.KernelHeight * s.KernelWidth;
        Console.WriteLine(name);
        Report("forward", flops, peak, () => Conv2d.Forward(s, input, weights, bias, output, workspace));
        Report("backward data", flops, peak, () => Conv2d.BackwardData(s, dOutput, weights, dInput, workspace));
        Report("backward weights", flops, peak, () => Conv2d.BackwardWeights(s, input, dOutput, dWeights, dBias, workspace));
    }

    private static void Report(string pass, double flops, double peak, Action body)
    {
        for (int i = 0; i < 20; i++)
            body();
        var times = new double[Repetitions];
        for (int i = 0; i < Repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        double median = times[Repetitions / 2], best = times[0];
        Console.WriteLine($"  {pass,-17} median {median,7:F3} ms ({flops / median / 1e6,5:F0} GFLOPS, {flops / median / 1e6 / peak,4:P0})"
            + $"  best {best,7:F3} ms ({flops / best / 1e6,5:F0} GFLOPS, {flops / best / 1e6 / peak,4:P0})");
    }

    /// <summary>Best of 30 short rounds (a shared machine preempts long ones): every thread runs 12 independent FMA chains of the widest vector for 2 M iterations.</summary>
    internal static double FmaPeak(int threads)
    {
        const int iterations = 2_000_000;
        double best = 0;
        for (int round = 0; round < 30; round++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(iterations));
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            int lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
            best = Math.Max(best, threads * (double)iterations * 12 * lanes * 2 / seconds / 1e9);
        }
        return best;
    }

    private static float Chains(int iterations)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            var m8 = Vector256.Create(0.9999f);
            var a8 = Vector256.Create(1e-3f);
            Vector256<float> d0 = a8, d1 = a8, d2 = a8, d3 = a8, d4 = a8, d5 = a8, d6 = a8, d7 = a8, d8 = a8, d9 = a8, d10 = a8, d11 = a8;
            for (int i = 0; i < iterations; i++)
            {
                d0 = Vector256.FusedMultiplyAdd(d0, m8, a8); d1 = Vector256.FusedMultiplyAdd(d1, m8, a8);
                d2 = Vector256.FusedMultiplyAdd(d2, m8, a8); d3 = Vector256.FusedMultiplyAdd(d3, m8, a8);
                d4 = Vector256.FusedMultiplyAdd(d4, m8, a8); d5 = Vector256.FusedMultiplyAdd(d5, m8, a8);
                d6 = Vector256.FusedMultiplyAdd(d6, m8, a8); d7 = Vector256.FusedMultiplyAdd(d7, m8, a8);
                d8 = Vector256.FusedMultiplyAdd(d8, m8, a8); d9 = Vector256.FusedMultiplyAdd(d9, m8, a8);
                d10 = Vector256.FusedMultiplyAdd(d10, m8, a8); d11 = Vector256.FusedMultiplyAdd(d11, m8, a8);
            }
            return Vector256.Sum(d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + d10 + d11);
        }
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
}
