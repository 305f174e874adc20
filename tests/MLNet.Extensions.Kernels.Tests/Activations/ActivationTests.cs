using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Activations;

public class ActivationTests
{
    public static TheoryData<VectorWidth, ActivationKind> Cases()
    {
        var data = new TheoryData<VectorWidth, ActivationKind>();
        foreach (VectorWidth w in KernelSettings.SupportedWidths)
            foreach (ActivationKind k in Enum.GetValues<ActivationKind>())
                data.Add(w, k);
        return data;
    }

    private static double Reference(ActivationKind kind, double x, double slope) => kind switch
    {
        ActivationKind.Relu => Math.Max(0, x),
        ActivationKind.LeakyRelu => x > 0 ? x : slope * x,
        ActivationKind.Tanh => Math.Tanh(x),
        _ => 1 / (1 + Math.Exp(-x)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchReferenceForEveryLength(VectorWidth width, ActivationKind kind)
    {
        using var scope = new VectorWidthScope(width);
        const float slope = 0.1f;
        for (int length = 0; length <= 70; length++)
        {
            float[] x = RandomData.Uniform(length, (ulong)length + 1, scale: 6f);
            var y = new float[length];
            Activation.Forward(kind, x, y, slope);
            Tolerance.AssertClose(x.Select(v => Reference(kind, v, slope)).ToArray(), y, 2e-6, 2e-6, $"{kind} n={length}");

            float[] dy = RandomData.Uniform(length, (ulong)length + 100);
            var dx = new float[length];
            Activation.Backward(kind, x, y, dy, dx, slope);
            var expected = new double[length];
            for (int i = 0; i < length; i++)
            {
                double h = 1e-5, xi = x[i];
                expected[i] = dy[i] * (Reference(kind, xi + h, slope) - Reference(kind, xi - h, slope)) / (2 * h);
            }
            Tolerance.AssertClose(expected, dx, 1e-3, 1e-5, $"d{kind} n={length}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExtremeInputsStayFinite(VectorWidth width, ActivationKind kind)
    {
        using var scope = new VectorWidthScope(width);
        float[] x = [-1000f, -100f, -20f, 0f, 20f, 100f, 1000f, -88.7f, 88.7f, 3e-8f, -3e-8f, 50f, -50f, 10f, -10f, 1f, -1f];
        var y = new float[x.Length];
        Activation.Forward(kind, x, y);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        if (kind is ActivationKind.Tanh or ActivationKind.Sigmoid)
            Assert.All(y, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void InPlaceIsAllowed()
    {
        float[] x = RandomData.Uniform(33, 5);
        float[] copy = (float[])x.Clone();
        var y = new float[33];
        Activation.Forward(ActivationKind.Tanh, copy, y);
        Activation.Forward(ActivationKind.Tanh, x, x);
        Assert.Equal(y, x);
    }
}
