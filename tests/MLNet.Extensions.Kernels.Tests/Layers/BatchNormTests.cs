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
}
