using MLNet.Extensions.Kernels.Pooling;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Pooling;

/// <summary>The vectorised 2x2 stride-2 max pool (and its backward gated by a ReLU before it) against a plain loop, on every vector width.</summary>
public class MaxPool2x2Tests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    /// <summary>
    /// Row widths that give 14 and 7 outputs (LeNet), exactly 8 and 4 (one vector, no overlap), 3 (scalar), 9 and 13
    /// (an overlapping last block), odd heights and widths (a last row or column no window covers).
    /// </summary>
    private static readonly Pool2dShape[] s_shapes =
    [
        new(3, 2, 28, 28, 2, 2, 2, 2), new(2, 3, 14, 14, 2, 2, 2, 2), new(1, 2, 16, 16, 2, 2, 2, 2), new(1, 2, 8, 8, 2, 2, 2, 2),
        new(2, 1, 6, 6, 2, 2, 2, 2), new(1, 2, 18, 19, 2, 2, 2, 2), new(2, 2, 7, 27, 2, 2, 2, 2), new(1, 1, 5, 26, 2, 2, 2, 2),
    ];

    /// <summary>Each window's first largest value in row-major order, and its index within the plane.</summary>
    private static (float[] Output, int[] Argmax) Reference(Pool2dShape s, float[] x)
    {
        var y = new float[s.OutputSize];
        var arg = new int[s.OutputSize];
        for (int p = 0; p < s.Batch * s.Channels; p++)
        for (int oy = 0; oy < s.OutHeight; oy++)
        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            int best = 2 * oy * s.Width + 2 * ox;
            foreach (int at in new[] { best + 1, best + s.Width, best + s.Width + 1 })
            {
                if (x[p * s.Height * s.Width + at] > x[p * s.Height * s.Width + best])
                    best = at;
            }
            y[(p * s.OutHeight + oy) * s.OutWidth + ox] = x[p * s.Height * s.Width + best];
            arg[(p * s.OutHeight + oy) * s.OutWidth + ox] = best;
        }
        return (y, arg);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardAndBackwardMatchThePlainLoopWithTies(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 70;
        foreach (Pool2dShape s in s_shapes)
        {
            // Values from {-2, -1, 0, 1, 2} (no -0: the plain loop keeps the first of -0 and +0, the pool takes +0 there)
            // make ties in most windows, so the first-winner rule is checked, not only distinct maxima.
            float[] input = RandomData.Uniform(s.InputSize, seed++).Select(v => MathF.Round(2f * v) + 0f).ToArray();
            float[] upstream = RandomData.Uniform(s.OutputSize, seed++);
            var output = new float[s.OutputSize];
            var argmax = new int[s.OutputSize];
            MaxPool2d.Forward(s, input, output, argmax);
            var (expected, expectedArgmax) = Reference(s, input);
            Assert.Equal(expected, output);
            Assert.Equal(expectedArgmax, argmax);

            float[] dInput = Enumerable.Repeat(float.NaN, s.InputSize).ToArray();
            MaxPool2d.Backward(s, upstream, argmax, dInput);
            var expectedDInput = new float[s.InputSize];
            int outPlane = s.OutHeight * s.OutWidth, plane = s.Height * s.Width;
            for (int i = 0; i < s.OutputSize; i++)
                expectedDInput[i / outPlane * plane + argmax[i]] += upstream[i];
            Assert.Equal(expectedDInput, dInput);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void BackwardGatedByARectifiedOutputIsThePoolBackwardThenTheRelus(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 90;
        // Overlapping 3x3 stride-2 windows take the general path, where one input can win several windows.
        foreach (Pool2dShape s in s_shapes.Append(new Pool2dShape(2, 2, 9, 11, 3, 3, 2, 2)))
        {
            // Rounded values below and at zero make whole windows of rectified zeros, and ties among them.
            float[] preActivation = RandomData.Uniform(s.InputSize, seed++).Select(v => MathF.Round(2f * v) + 0f).ToArray();
            float[] rectified = preActivation.Select(v => MathF.Max(v, 0f)).ToArray();
            float[] upstream = RandomData.Uniform(s.OutputSize, seed++).Select(v => v - 0.5f).ToArray();
            var output = new float[s.OutputSize];
            var argmax = new int[s.OutputSize];
            MaxPool2d.Forward(s, rectified, output, argmax);
            var separate = new float[s.InputSize];
            MaxPool2d.Backward(s, upstream, argmax, separate);
            for (int i = 0; i < separate.Length; i++)
                separate[i] = preActivation[i] > 0f ? separate[i] : 0f;

            float[] gated = Enumerable.Repeat(float.NaN, s.InputSize).ToArray();
            MaxPool2d.Backward(s, upstream, argmax, gated, output);
            Assert.Equal(separate, gated);
            Assert.Contains(gated, g => g != 0f);
            Assert.Contains(output, o => o == 0f);
        }
    }

    [Fact]
    public void BackwardRejectsAGateOfTheWrongSize()
    {
        var s = new Pool2dShape(1, 1, 4, 4, 2, 2, 2, 2);
        var error = Assert.Throws<ArgumentException>(() => MaxPool2d.Backward(s, new float[4], new int[4], new float[16], new float[3]));
        Assert.Contains("rectifiedOutput", error.Message);
    }

    [Fact]
    public void BackwardRejectsWrongSizes()
    {
        var s = new Pool2dShape(1, 1, 4, 4, 2, 2, 2, 2);
        var error = Assert.Throws<ArgumentException>(() => MaxPool2d.Backward(s, new float[4], new int[4], new float[15]));
        Assert.Contains("dInput 16", error.Message);
    }
}
