using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Layers;

public class BatchNormTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private static double[] Reference(BatchNormShape s, double[] x, double[] gamma, double[] beta, double eps)
    {
        var y = new double[x.Length];
        for (int c = 0; c < s.Channels; c++)
        {
            var values = new List<double>();
            for (int n = 0; n < s.Batch; n++)
                for (int i = 0; i < s.Spatial; i++)
                    values.Add(x[(n * s.Channels + c) * s.Spatial + i]);
            double mean = values.Average(), variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
            for (int n = 0; n < s.Batch; n++)
                for (int i = 0; i < s.Spatial; i++)
                {
                    int at = (n * s.Channels + c) * s.Spatial + i;
                    y[at] = gamma[c] * (x[at] - mean) / Math.Sqrt(variance + eps) + beta[c];
                }
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TrainingForwardBackwardAndRunningStatistics(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        foreach (BatchNormShape s in new[] { new BatchNormShape(4, 3, 1), new BatchNormShape(3, 2, 37), new BatchNormShape(2, 5, 16) })
        {
            float[] x = RandomData.Uniform(s.Size, 1, 3f), gamma = RandomData.Uniform(s.Channels, 2), beta = RandomData.Uniform(s.Channels, 3);
            float[] up = RandomData.Uniform(s.Size, 4);
            var y = new float[s.Size];
            var mean = new float[s.Channels];
            var invStd = new float[s.Channels];
            var runningMean = new float[s.Channels];
            float[] runningVariance = Enumerable.Repeat(1f, s.Channels).ToArray();
            BatchNorm.ForwardTraining(s, x, gamma, beta, y, mean, invStd, runningMean, runningVariance, 0.1f, 1e-5f);
            double[] xd = Arrays.ToDouble(x), gd = Arrays.ToDouble(gamma), bd = Arrays.ToDouble(beta);
            Tolerance.AssertClose(Reference(s, xd, gd, bd, 1e-5), y, 1e-4, 1e-4, $"y {s}");
            Tolerance.AssertClose(mean.Select(m => 0.1 * m).ToArray(), runningMean, 1e-5, 1e-6, "running mean");

            var dx = new float[s.Size];
            var dGamma = new float[s.Channels];
            var dBeta = new float[s.Channels];
            BatchNorm.Backward(s, x, up, gamma, mean, invStd, dx, dGamma, dBeta);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(Reference(s, v, gd, bd, 1e-5), up), xd), dx, 2e-3, 1e-4, $"dx {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(Reference(s, xd, v, bd, 1e-5), up), gd), dGamma, 1e-3, 1e-4, "dGamma");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(Reference(s, xd, gd, v, 1e-5), up), bd), dBeta, 1e-4, 1e-5, "dBeta");

            var inference = new float[s.Size];
            BatchNorm.ForwardInference(s, x, gamma, beta, runningMean, runningVariance, 1e-5f, inference);
            for (int i = 0; i < s.Size; i++)
            {
                int c = i / s.Spatial % s.Channels;
                Assert.Equal(gamma[c] * (x[i] - runningMean[c]) / MathF.Sqrt(runningVariance[c] + 1e-5f) + beta[c], inference[i], 4);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RectifiedPassesAreThePlainOnesThenMaxWithZero(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        // Spatial 37 leaves a scalar tail on every width; beta around 0 puts about half the outputs below zero.
        var s = new BatchNormShape(3, 4, 37);
        float[] x = RandomData.Uniform(s.Size, 11, 3f), gamma = RandomData.Uniform(s.Channels, 12);
        float[] beta = RandomData.Uniform(s.Channels, 13).Select(b => b - 0.5f).ToArray();
        float[] mean = new float[s.Channels], invStd = new float[s.Channels], runningMean = new float[s.Channels];
        float[] runningVariance = Enumerable.Repeat(1f, s.Channels).ToArray();
        float[] Rectify(float[] y) => y.Select(v => MathF.Max(v, 0f)).ToArray();

        float[] plain = new float[s.Size], rectified = new float[s.Size];
        BatchNorm.ForwardTraining(s, x, gamma, beta, plain, mean, invStd, runningMean.ToArray(), runningVariance.ToArray(), 0.1f, 1e-5f);
        BatchNorm.ForwardTraining(s, x, gamma, beta, rectified, mean, invStd, runningMean.ToArray(), runningVariance.ToArray(), 0.1f, 1e-5f, relu: true);
        Assert.Equal(Rectify(plain), rectified);
        Assert.Contains(rectified, v => v == 0f);
        Assert.Contains(rectified, v => v > 0f);

        BatchNorm.Normalize(s, x, gamma, beta, mean, invStd, plain);
        BatchNorm.Normalize(s, x, gamma, beta, mean, invStd, rectified, relu: true);
        Assert.Equal(Rectify(plain), rectified);

        BatchNorm.ForwardInference(s, x, gamma, beta, mean, runningVariance, 1e-5f, plain);
        BatchNorm.ForwardInference(s, x, gamma, beta, mean, runningVariance, 1e-5f, rectified, relu: true);
        Assert.Equal(Rectify(plain), rectified);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void PartSumsAddedInOrderGiveTheWholeBatchPasses(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        var s = new BatchNormShape(6, 3, 37);
        float[] x = RandomData.Uniform(s.Size, 5, 3f), gamma = RandomData.Uniform(s.Channels, 6), beta = RandomData.Uniform(s.Channels, 7);
        float[] up = RandomData.Uniform(s.Size, 8);
        var y = new float[s.Size];
        var mean = new float[s.Channels];
        var invStd = new float[s.Channels];
        BatchNorm.ForwardTraining(s, x, gamma, beta, y, mean, invStd, new float[s.Channels], new float[s.Channels], 0.1f, 1e-5f);
        var dx = new float[s.Size];
        var dGamma = new float[s.Channels];
        var dBeta = new float[s.Channels];
        BatchNorm.Backward(s, x, up, gamma, mean, invStd, dx, dGamma, dBeta);

        foreach (int[] parts in new[] { new[] { 6 }, new[] { 2, 1, 3 }, new[] { 1, 1, 1, 1, 1, 1 } })
        {
            var (splitY, splitDx, splitMean, splitInvStd, splitDGamma, splitDBeta) = Split(s, parts, x, gamma, beta, up);
            if (parts.Length == 1)
            {
                // One part is the whole batch: the same sums in the same order.
                Assert.Equal(y, splitY);
                Assert.Equal(dx, splitDx);
                Assert.Equal(dGamma, splitDGamma);
                continue;
            }
            // Several parts only regroup double-precision sums, so the float results agree to within a few ulps.
            Tolerance.AssertClose(Arrays.ToDouble(mean), splitMean, 1e-6, 1e-6, "mean");
            Tolerance.AssertClose(Arrays.ToDouble(invStd), splitInvStd, 1e-6, 1e-6, "invStd");
            Tolerance.AssertClose(Arrays.ToDouble(y), splitY, 1e-5, 1e-5, "y");
            Tolerance.AssertClose(Arrays.ToDouble(dx), splitDx, 1e-5, 1e-5, "dx");
            Tolerance.AssertClose(Arrays.ToDouble(dGamma), splitDGamma, 1e-5, 1e-5, "dGamma");
            Tolerance.AssertClose(Arrays.ToDouble(dBeta), splitDBeta, 1e-5, 1e-5, "dBeta");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void PoolingAsItStoresGivesTheFloatsOfNormalizeThenPool(VectorWidth width)
    {
        // 28 and 14 wide (the default CNN's maps), 13 wide with an odd last row and column, 9 and 6 wide (the SSE and scalar
        // rows), 64x64 (normalized in two chunks of row pairs) and 1100 wide (one row pair is more than a chunk).
        using var scope = new VectorWidthScope(width);
        foreach ((int n, int c, int h, int w) in new[] { (3, 2, 28, 28), (2, 3, 14, 14), (2, 2, 13, 13), (1, 2, 9, 9), (2, 1, 6, 6),
            (1, 2, 64, 64), (2, 1, 3, 1100) })
        foreach (bool relu in new[] { false, true })
        {
            var shape = new BatchNormShape(n, c, h * w);
            var pool = new Kernels.Pooling.Pool2dShape(n, c, h, w, 2, 2, 2, 2);
            float[] x = RandomData.Uniform(shape.Size, (ulong)(h * 10 + c), 2f);
            float[] scale = RandomData.Uniform(c, 21, 1.5f), shift = RandomData.Uniform(c, 22, 0.5f);
            var normalized = new float[shape.Size];
            BatchNorm.Normalize(shape, x, scale, shift, new float[c], Enumerable.Repeat(1f, c).ToArray(), normalized, relu);
            var expected = new float[pool.OutputSize];
            var expectedAt = new int[pool.OutputSize];
            Kernels.Pooling.MaxPool2d.Forward(pool, normalized, expected, expectedAt);
            var pooled = new float[pool.OutputSize];
            var at = new int[pool.OutputSize];
            BatchNorm.AffineMaxPool2x2(shape, pool, x, scale, shift, relu, pooled, at);
            Assert.Equal(expected, pooled);
            Assert.Equal(expectedAt, at);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void BackwardFromThePoolsSideGivesTheSumsAndFloatsOfRoutingThenBackwardData(VectorWidth width)
    {
        // The fused path (winners kept by the forward, gated pooled gradient, one pass to dx) against the pool's backward
        // writing the full dy, then GradientSums and BackwardData over it; the default CNN's maps, odd maps, narrow rows.
        using var scope = new VectorWidthScope(width);
        foreach ((int n, int c, int h, int w) in new[] { (3, 2, 28, 28), (2, 3, 14, 14), (2, 2, 13, 13), (1, 2, 9, 9), (2, 1, 6, 6), (2, 2, 7, 5) })
        foreach (bool relu in new[] { false, true })
        {
            var shape = new BatchNormShape(n, c, h * w);
            var pool = new Kernels.Pooling.Pool2dShape(n, c, h, w, 2, 2, 2, 2);
            float[] x = RandomData.Uniform(shape.Size, (ulong)(h * 10 + c), 2f);
            float[] gamma = RandomData.Uniform(c, 31, 1.5f), beta = RandomData.Uniform(c, 32, 0.5f);
            float[] mean = RandomData.Uniform(c, 33, 0.2f), invStd = Enumerable.Range(0, c).Select(i => 0.8f + 0.1f * i).ToArray();
            var scale = new float[c];
            var shift = new float[c];
            for (int ch = 0; ch < c; ch++)
            {
                scale[ch] = gamma[ch] * invStd[ch];
                shift[ch] = beta[ch] - mean[ch] * scale[ch];
            }
            var pooled = new float[pool.OutputSize];
            var at = new int[pool.OutputSize];
            var winners = new float[pool.OutputSize];
            BatchNorm.AffineMaxPool2x2(shape, pool, x, scale, shift, relu, pooled, at, winners);
            int plane = pool.OutHeight * pool.OutWidth;
            for (int j = 0; j < winners.Length; j++)
                Assert.Equal(x[j / plane * shape.Spatial + at[j]], winners[j]);

            float[] dPooled = RandomData.Uniform(pool.OutputSize, (ulong)(h + c), 1f);
            var dy = new float[shape.Size];
            Kernels.Pooling.MaxPool2d.Backward(pool, dPooled, at, dy, relu ? pooled : default);
            double[] sumDy = new double[c], sumDyXhat = new double[c], fusedDy = new double[c], fusedDyXhat = new double[c];
            BatchNorm.GradientSums(shape, x, dy, mean, invStd, sumDy, sumDyXhat);
            var gated = new float[pool.OutputSize];
            BatchNorm.PooledGradientSums(pool, dPooled, relu ? pooled : default, winners, mean, invStd, fusedDy, fusedDyXhat, gated);
            // The same terms (the map's zeros aside) grouped by pooled rows instead of full rows: a few float ulps apart.
            for (int ch = 0; ch < c; ch++)
            {
                Assert.Equal(sumDy[ch], fusedDy[ch], 1e-5 * (1 + Math.Abs(sumDy[ch])));
                Assert.Equal(sumDyXhat[ch], fusedDyXhat[ch], 1e-5 * (1 + Math.Abs(sumDyXhat[ch])));
            }

            double count = (double)n * h * w;
            float[] meanDy = sumDy.Select(v => (float)(v / count)).ToArray(), meanDyXhat = sumDyXhat.Select(v => (float)(v / count)).ToArray();
            var expected = new float[shape.Size];
            BatchNorm.BackwardData(shape, x, dy, gamma, mean, invStd, meanDy, meanDyXhat, expected);
            var dx = new float[shape.Size];
            BatchNorm.PooledBackwardData(shape, pool, x, gated, at, gamma, mean, invStd, meanDy, meanDyXhat, dx);
            Assert.Equal(expected, dx);
        }
    }

    [Fact]
    public void PoolingAsItStoresRefusesAnotherWindow()
    {
        var shape = new BatchNormShape(1, 1, 16);
        var pool = new Kernels.Pooling.Pool2dShape(1, 1, 4, 4, 3, 3, 1, 1);
        var ex = Assert.Throws<ArgumentException>(() => BatchNorm.AffineMaxPool2x2(shape, pool, new float[16], [1f], [0f], false,
            new float[pool.OutputSize], new int[pool.OutputSize]));
        Assert.Equal("pool", ex.ParamName);
    }

    /// <summary>Forward and backward of a batch split into parts of the given sizes, the way a data-parallel step runs it.</summary>
    private static (float[] Y, float[] Dx, float[] Mean, float[] InvStd, float[] DGamma, float[] DBeta) Split(BatchNormShape s, int[] parts,
        float[] x, float[] gamma, float[] beta, float[] up)
    {
        int c = s.Channels, sample = c * s.Spatial;
        double count = (double)s.Batch * s.Spatial;
        var sums = new double[parts.Length][];
        var mean = new float[c];
        var invStd = new float[c];
        int first = 0;
        for (int p = 0; p < parts.Length; p++, first += parts[p - 1])
            BatchNorm.ChannelSums(new BatchNormShape(parts[p], c, s.Spatial), x.AsSpan(first * sample, parts[p] * sample), sums[p] = new double[c]);
        for (int ch = 0; ch < c; ch++)
            mean[ch] = (float)(sums.Sum(part => part[ch]) / count);
        first = 0;
        for (int p = 0; p < parts.Length; p++, first += parts[p - 1])
            BatchNorm.ChannelSquaredDeviations(new BatchNormShape(parts[p], c, s.Spatial), x.AsSpan(first * sample, parts[p] * sample), mean, sums[p]);
        for (int ch = 0; ch < c; ch++)
            invStd[ch] = (float)(1.0 / Math.Sqrt(sums.Sum(part => part[ch]) / count + 1e-5));
        var y = new float[s.Size];
        first = 0;
        for (int p = 0; p < parts.Length; p++, first += parts[p - 1])
            BatchNorm.Normalize(new BatchNormShape(parts[p], c, s.Spatial), x.AsSpan(first * sample, parts[p] * sample), gamma, beta, mean, invStd,
                y.AsSpan(first * sample, parts[p] * sample));

        var sumDy = new double[parts.Length][];
        first = 0;
        for (int p = 0; p < parts.Length; p++, first += parts[p - 1])
            BatchNorm.GradientSums(new BatchNormShape(parts[p], c, s.Spatial), x.AsSpan(first * sample, parts[p] * sample),
                up.AsSpan(first * sample, parts[p] * sample), mean, invStd, sumDy[p] = new double[c], sums[p]);
        var dGamma = new float[c];
        var dBeta = new float[c];
        var meanDy = new float[c];
        var meanDyXhat = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            double dyTotal = sumDy.Sum(part => part[ch]), dyXhatTotal = sums.Sum(part => part[ch]);
            dBeta[ch] = (float)dyTotal;
            dGamma[ch] = (float)dyXhatTotal;
            meanDy[ch] = (float)(dyTotal / count);
            meanDyXhat[ch] = (float)(dyXhatTotal / count);
        }
        var dx = new float[s.Size];
        first = 0;
        for (int p = 0; p < parts.Length; p++, first += parts[p - 1])
            BatchNorm.BackwardData(new BatchNormShape(parts[p], c, s.Spatial), x.AsSpan(first * sample, parts[p] * sample),
                up.AsSpan(first * sample, parts[p] * sample), gamma, mean, invStd, meanDy, meanDyXhat, dx.AsSpan(first * sample, parts[p] * sample));
        return (y, dx, mean, invStd, dGamma, dBeta);
    }
}
