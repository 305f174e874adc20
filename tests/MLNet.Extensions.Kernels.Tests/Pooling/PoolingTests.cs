using MLNet.Extensions.Kernels.Pooling;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Pooling;

public class PoolingTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private static readonly Pool2dShape[] s_shapes =
    [
        new(2, 3, 8, 8, 2, 2, 2, 2), new(1, 2, 7, 9, 3, 3, 2, 2), new(2, 1, 5, 5, 3, 3, 1, 1, 1, 1), new(1, 4, 6, 4, 2, 3, 2, 1, 1, 0),
    ];

    private static double[] ReferenceForward(Pool2dShape s, double[] x, bool max)
    {
        var y = new double[s.OutputSize];
        for (int p = 0; p < s.Batch * s.Channels; p++)
        for (int oy = 0; oy < s.OutHeight; oy++)
        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            double best = double.NegativeInfinity, sum = 0;
            int count = 0;
            for (int wy = 0; wy < s.WindowHeight; wy++)
            for (int wx = 0; wx < s.WindowWidth; wx++)
            {
                int iy = oy * s.StrideHeight - s.PadHeight + wy, ix = ox * s.StrideWidth - s.PadWidth + wx;
                if (iy < 0 || iy >= s.Height || ix < 0 || ix >= s.Width)
                    continue;
                double v = x[(p * s.Height + iy) * s.Width + ix];
                best = Math.Max(best, v);
                sum += v;
                count++;
            }
            y[(p * s.OutHeight + oy) * s.OutWidth + ox] = max ? best : sum / count;
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MaxAndAverageMatchReferenceAndFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1;
        foreach (Pool2dShape s in s_shapes)
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++); // distinct values, so the max is differentiable
            float[] upstream = RandomData.Uniform(s.OutputSize, seed++);
            double[] x = Arrays.ToDouble(input);

            var output = new float[s.OutputSize];
            var argmax = new int[s.OutputSize];
            MaxPool2d.Forward(s, input, output, argmax);
            Tolerance.AssertClose(ReferenceForward(s, x, true), output, 0, 0, $"max {s}");
            var dInput = new float[s.InputSize];
            MaxPool2d.Backward(s, upstream, argmax, dInput);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(ReferenceForward(s, v, true), upstream), x, 1e-7), dInput, 1e-4, 1e-5, $"dmax {s}");

            AvgPool2d.Forward(s, input, output);
            Tolerance.AssertClose(ReferenceForward(s, x, false), output, 1e-5, 1e-6, $"avg {s}");
            AvgPool2d.Backward(s, upstream, dInput);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(ReferenceForward(s, v, false), upstream), x), dInput, 1e-4, 1e-5, $"davg {s}");
        }
    }

    [Fact]
    public void WrongSizesAreRejected()
    {
        var s = new Pool2dShape(1, 1, 4, 4, 2, 2, 2, 2);
        Assert.Throws<ArgumentException>(() => MaxPool2d.Forward(s, new float[15], new float[4], new int[4]));
        Assert.Throws<ArgumentException>(() => MaxPool2d.Forward(s, new float[16], new float[4], new int[3]));
    }
}
