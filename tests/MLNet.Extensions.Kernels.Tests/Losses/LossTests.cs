using MLNet.Extensions.Kernels.Losses;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Losses;

public class LossTests
{
    [Fact]
    public void SoftmaxCrossEntropyMatchesReferenceAndFiniteDifferences()
    {
        int n = 5, c = 7;
        float[] logits = RandomData.Uniform(n * c, 1, scale: 4f);
        int[] labels = [0, 6, 3, 3, 1];
        float[] weights = [1f, 0.5f, 2f, 0f, 1f];
        double Loss(double[] z)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double max = z.Skip(i * c).Take(c).Max(), sum = z.Skip(i * c).Take(c).Sum(v => Math.Exp(v - max));
                total += weights[i] * -(z[i * c + labels[i]] - max - Math.Log(sum));
            }
            return total;
        }
        var probabilities = new float[n * c];
        float loss = SoftmaxCrossEntropy.Forward(n, c, logits, labels, weights, probabilities);
        Assert.Equal(Loss(Arrays.ToDouble(logits)), loss, 4);
        for (int i = 0; i < n; i++)
            Assert.Equal(1.0, probabilities.Skip(i * c).Take(c).Sum(), 5);
        var dLogits = new float[n * c];
        SoftmaxCrossEntropy.Backward(n, c, probabilities, labels, weights, 1f, dLogits);
        Tolerance.AssertClose(FiniteDifference.Gradient(Loss, Arrays.ToDouble(logits)), dLogits, 1e-4, 1e-5);
    }

    [Fact]
    public void SoftmaxIsStableForHugeLogitsAndRejectsBadLabels()
    {
        float[] logits = [1000f, -1000f, 999f];
        var p = new float[3];
        float loss = SoftmaxCrossEntropy.Forward(1, 3, logits, [1], [], p);
        Assert.True(float.IsFinite(loss));
        Assert.All(p, v => Assert.True(float.IsFinite(v)));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Forward(1, 3, logits, [3], [], p));
        Assert.Contains("labels[0]", e.Message);
    }

    [Fact]
    public void SigmoidCrossEntropyMatchesFiniteDifferences()
    {
        float[] logits = [-30f, -2f, 0f, 0.5f, 3f, 40f];
        float[] targets = [0f, 1f, 1f, 0f, 1f, 0f];
        double Loss(double[] z) => z.Select((v, i) => Math.Log(1 + Math.Exp(-Math.Abs(v))) + Math.Max(v, 0) - targets[i] * v).Sum();
        var p = new float[6];
        Assert.Equal(Loss(Arrays.ToDouble(logits)), SigmoidBinaryCrossEntropy.Forward(logits, targets, [], p), 3);
        var d = new float[6];
        SigmoidBinaryCrossEntropy.Backward(p, targets, [], 1f, d);
        Tolerance.AssertClose(FiniteDifference.Gradient(Loss, Arrays.ToDouble(logits)), d, 1e-4, 1e-5);
    }

    [Fact]
    public void MeanSquaredErrorMatchesFiniteDifferences()
    {
        float[] predictions = RandomData.Uniform(12, 3), targets = RandomData.Uniform(12, 4);
        float[] weights = [1f, 2f, 0.5f, 0f];
        double Loss(double[] p) => p.Select((v, i) => weights[i / 3] * (v - targets[i]) * (v - targets[i])).Sum();
        Assert.Equal(Loss(Arrays.ToDouble(predictions)), MeanSquaredError.Forward(3, predictions, targets, weights), 4);
        var d = new float[12];
        MeanSquaredError.Backward(3, predictions, targets, weights, 1f, d);
        Tolerance.AssertClose(FiniteDifference.Gradient(Loss, Arrays.ToDouble(predictions)), d, 1e-4, 1e-5);
    }
}
