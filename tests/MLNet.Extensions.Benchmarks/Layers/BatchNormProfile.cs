using System.Diagnostics;
using MLNet.Extensions.Kernels;
using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Pooling;

namespace MLNet.Extensions.Benchmarks.Layers;

/// <summary>
/// Per-call times of the batch-norm and 2x2 max-pool passes on the default CNN's two maps, one thread, 32 samples (one
/// worker's share of a batch of 64): the whole-batch passes beside the fused ones that replace them in a data-parallel
/// step. Prints the minimum of 25 timings of 20 calls, since a shared host's noise only ever adds time.
/// </summary>
public static class BatchNormProfile
{
    /// <summary>Runs the profile on 32 x 28 x 28 and 64 x 14 x 14 (channels x height x width).</summary>
    public static void Run()
    {
        KernelSettings.ThreadCount = 1;
        Console.WriteLine($"1 thread, {KernelSettings.EffectiveVectorWidth}, 32 samples; minimum of 25 timings of 20 calls");
        foreach ((int c, int side) in new[] { (32, 28), (64, 14) })
            Profile(32, c, side);
    }

    private static void Profile(int n, int c, int side)
    {
        var shape = new BatchNormShape(n, c, side * side);
        var pool = new Pool2dShape(n, c, side, side, 2, 2, 2, 2, 0, 0);
        var random = new Random(1);
        float[] Fill(int length, float offset) => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - offset).ToArray();
        float[] x = Fill(shape.Size, 0.3f), dPooled = Fill(pool.OutputSize, 0.5f);
        float[] dy = new float[shape.Size], dx = new float[shape.Size];
        float[] pooled = new float[pool.OutputSize], winners = new float[pool.OutputSize], gated = new float[pool.OutputSize];
        int[] argmax = new int[pool.OutputSize];
        double[] sums = new double[c], otherSums = new double[c];
        float[] mean = new float[c], ones = Enumerable.Repeat(1f, c).ToArray(), zeros = new float[c];
        string map = $"{c}x{side}x{side}";
        Time(map, "ChannelSums", () => BatchNorm.ChannelSums(shape, x, sums));
        Time(map, "ChannelSquaredDeviations", () => BatchNorm.ChannelSquaredDeviations(shape, x, mean, sums));
        Time(map, "AffineMaxPool2x2", () => BatchNorm.AffineMaxPool2x2(shape, pool, x, ones, zeros, true, pooled, argmax));
        Time(map, "AffineMaxPool2x2 + winners", () => BatchNorm.AffineMaxPool2x2(shape, pool, x, ones, zeros, true, pooled, argmax, winners));
        Time(map, "MaxPool2d.Backward", () => MaxPool2d.Backward(pool, dPooled, argmax, dy, pooled));
        Time(map, "GradientSums", () => BatchNorm.GradientSums(shape, x, dy, mean, ones, sums, otherSums));
        Time(map, "BackwardData", () => BatchNorm.BackwardData(shape, x, dy, ones, mean, ones, mean, ones, dx));
        Time(map, "PooledGradientSums", () => BatchNorm.PooledGradientSums(pool, dPooled, pooled, winners, mean, ones, sums, otherSums, gated));
        Time(map, "PooledBackwardData", () => BatchNorm.PooledBackwardData(shape, pool, x, gated, argmax, ones, mean, ones, mean, ones, dx));
    }

    private static void Time(string map, string pass, Action call)
    {
        for (int i = 0; i < 20; i++)
            call();
        double best = double.MaxValue;
        for (int timing = 0; timing < 25; timing++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20; i++)
                call();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds / 20);
        }
        Console.WriteLine($"{map} {pass,-28} {best:F3} ms");
    }
}
