using System.Diagnostics;
using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Convolution;

namespace MLNet.Extensions.Benchmarks.Convolution;

/// <summary>
/// Per-pass times of the LeNet convolutions (batch 64 unless told) with GFLOPS and their share of the machine's FMA peak, measured
/// in the same run (all kernel threads running 12 independent FMA chains at once), so a shared machine's load shows in
/// both. Prints the median and the best of many repetitions.
/// </summary>
public static class ConvolutionProfile
{
    private const int Repetitions = 60;

    /// <summary>
    /// Runs the profile with <paramref name="threads"/> kernel threads (the configured count when 0) on batches of
    /// <paramref name="batch"/> images (16 is what each data-parallel training worker hands a layer).
    /// </summary>
    public static void Run(int threads = 0, int batch = 64)
    {
        if (threads > 0)
            KernelSettings.ThreadCount = threads;
        threads = KernelSettings.ThreadCount;
        double peak = FmaPeak(threads);
        Console.WriteLine($"FMA peak ({threads} threads, {KernelSettings.EffectiveVectorWidth}): {peak:F0} GFLOPS");
        Console.WriteLine($"batch {batch}");
        Profile("conv 1->16 5x5 pad 2 on 28x28", new Conv2dShape(batch, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2), peak);
        Profile("conv 16->32 5x5 pad 2 on 14x14", new Conv2dShape(batch, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2), peak);
        // The default CNN's two layers (CnnOptions' default stack); the first has no backward data in a network.
        Profile("conv 1->32 3x3 pad 1 on 28x28", new Conv2dShape(batch, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1), peak);
        Profile("conv 32->64 3x3 pad 1 on 14x14", new Conv2dShape(batch, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1), peak);
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
        // Warm up for half a second, not a fixed count: tiered JIT promotes a method ~100 ms after its 30th call, so
        // 20 calls of a 1 ms pass left the timed runs half on Tier-0 code (the 1->16 forward's median was 3x its best).
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < 20 || Stopwatch.GetElapsedTime(warmStart).TotalMilliseconds < 500; i++)
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

    private static float Chains(int iterations) => Vector512.IsHardwareAccelerated
        ? Gemm.FmaPeakBenchmark.Chains512(iterations)
        : Gemm.FmaPeakBenchmark.Chains256(iterations);
}
