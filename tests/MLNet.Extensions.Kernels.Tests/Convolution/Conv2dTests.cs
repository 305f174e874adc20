using MLNet.Extensions.Kernels.Convolution;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Convolution;

public class Conv2dTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private static readonly Conv2dShape[] s_shapes =
    [
        new(1, 1, 5, 5, 1, 1, 1),
        new(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1),
        new(3, 2, 9, 8, 5, 5, 5, 2, 2, 2, 2),
        new(2, 4, 12, 11, 3, 7, 7, 1, 1, 3, 3),
        new(1, 5, 6, 9, 2, 2, 3, 3, 2, 0, 1),
        new(3, 1, 4, 4, 6, 3, 3, 1, 1, 0, 0),
        // Eight or more input channels: backward data runs as the flipped implicit GEMM.
        new(3, 8, 9, 7, 5, 3, 3, 1, 1, 1, 1),
        new(2, 9, 5, 10, 11, 2, 4, 1, 1, 1, 0),
        new(2, 8, 6, 5, 3, 3, 3, 2, 1, 1, 1),
        new(1, 8, 4, 4, 3, 2, 2, 1, 1, 2, 2),
    ];

    /// <summary>
    /// Shapes off the micro-tile grid (O = 24, 33 and 40 span two NR panels at 512 bits, M = 11 and 17 leave partial tiles,
    /// 14- and 28-wide rows leave partial runs), kernels 1 to 7, strides and paddings, and the two LeNet layers on a
    /// small batch so panels cross image boundaries; checked against the double reference (finite differences would
    /// take minutes at these sizes; the reference itself is checked by them above).
    /// </summary>
    private static readonly Conv2dShape[] s_largeShapes =
    [
        new(3, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2),
        new(3, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2),
        new(2, 3, 13, 17, 33, 7, 7, 1, 1, 3, 3),
        new(2, 12, 11, 9, 17, 1, 1),
        new(4, 10, 10, 12, 40, 3, 3, 1, 1, 1, 1),
        new(2, 8, 15, 16, 11, 6, 4, 1, 1, 2, 1),
        new(3, 4, 12, 12, 9, 3, 3, 2, 2, 1, 1),
        new(2, 20, 9, 9, 8, 4, 4, 3, 1, 0, 2),
        // Stride 1 with rows of 15 and 32 outputs: the AVX2 row panels (RowPatchGemm), with a last panel of 15 of 16
        // columns, two depth blocks (K = 270) and M = 11 and 30 (partial 6-row tiles) forward and backward.
        new(2, 30, 6, 15, 11, 3, 3, 1, 1, 1, 1),
        new(1, 2, 5, 32, 7, 3, 5, 1, 1, 1, 2),
        // Stride 1 beyond the shallow kernels, at 512 bits the pixel-row kernels: kernel rows of 2, 6 and 7 taps, O = 20
        // (a 32-lane panel with 12 lanes unused, untiled with an edge of 4 channels), 24 (32 + 16 lanes: both tile kinds),
        // odd output heights (the last two-row tile overlaps), rows of 7, 8 and 9 pixels (the last tile overlapping or not).
        new(2, 6, 9, 12, 20, 3, 7, 1, 1, 1, 3),
        new(1, 5, 8, 9, 24, 2, 6, 1, 1, 0, 2),
        new(2, 9, 7, 8, 9, 2, 2, 1, 1, 1, 0),
        // 3x3 at stride 1 over 8 or more channels, at 512 bits Winograd F(2x2, 3x3) in all three passes: a tile row of
        // 17 tiles (two vectors in the input transform) without padding (backward data pads 2), odd output sizes (tiles
        // half outside) with padding 2 (backward data pads 0), 64 source channels over 9 tiles per image.
        new(1, 8, 8, 36, 16, 3, 3, 1, 1, 0, 0),
        new(2, 16, 7, 9, 24, 3, 3, 1, 1, 2, 2),
        new(2, 64, 6, 6, 12, 3, 3, 1, 1, 1, 1),
    ];

    [Theory]
    [MemberData(nameof(Widths))]
    public void AllPassesMatchTheReferenceOffTheTileGrid(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 500;
        foreach (Conv2dShape s in s_largeShapes)
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), weights = RandomData.Uniform(s.WeightSize, seed++), bias = RandomData.Uniform(s.OutChannels, seed++);
            float[] upstream = RandomData.Uniform(s.OutputSize, seed++);
            var workspace = new float[Conv2d.WorkspaceSize(s)];
            var output = new float[s.OutputSize];
            var dInput = new float[s.InputSize];
            var dWeights = new float[s.WeightSize];
            var dBias = new float[s.OutChannels];
            Conv2d.Forward(s, input, weights, bias, output, workspace);
            Conv2d.BackwardData(s, upstream, weights, dInput, workspace);
            Conv2d.BackwardWeights(s, input, upstream, dWeights, dBias, workspace);

            double[] x = Arrays.ToDouble(input), w = Arrays.ToDouble(weights), u = Arrays.ToDouble(upstream);
            var (expectedDInput, expectedDWeights, expectedDBias) = ReferenceConv2d.Backward(s, x, w, u);
            // Sums of up to ~3000 products of values in [-1, 1] in float: 1e-4 relative with a 1e-4 floor covers them.
            Tolerance.AssertClose(ReferenceConv2d.Forward(s, x, w, Arrays.ToDouble(bias)), output, 1e-4, 1e-4, $"output {s}");
            Tolerance.AssertClose(expectedDInput, dInput, 1e-4, 1e-4, $"dInput {s}");
            Tolerance.AssertClose(expectedDWeights, dWeights, 1e-4, 1e-3, $"dWeights {s}");
            Tolerance.AssertClose(expectedDBias, dBias, 1e-4, 1e-3, $"dBias {s}");
        }
    }

    // The ReLU applied in the output stage gives exactly max(0, .) of the plain forward pass, on every kernel path.
    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardWithReluIsTheRectifiedForward(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 900;
        foreach (Conv2dShape s in s_largeShapes.Concat(s_shapes))
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), weights = RandomData.Uniform(s.WeightSize, seed++), bias = RandomData.Uniform(s.OutChannels, seed++);
            var workspace = new float[Conv2d.WorkspaceSize(s)];
            var plain = new float[s.OutputSize];
            var rectified = new float[s.OutputSize];
            Conv2d.Forward(s, input, weights, bias, plain, workspace);
            Conv2d.Forward(s, input, weights, bias, rectified, workspace, relu: true);
            // Large outputs of random data have both signs, so the comparison checks the rectification and not only the copy.
            if (s.OutputSize >= 100)
                Assert.True(rectified.Any(v => v > 0) && plain.Any(v => v < 0), $"{s}: the case must have both signs");
            for (int i = 0; i < plain.Length; i++)
                Assert.True(Math.Max(plain[i], 0f) == rectified[i], $"{s}, output {i}: plain {plain[i]}, rectified {rectified[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryPassIsBitIdenticalFromRunToRun(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        var s = new Conv2dShape(6, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2);
        float[] input = RandomData.Uniform(s.InputSize, 7), weights = RandomData.Uniform(s.WeightSize, 8), upstream = RandomData.Uniform(s.OutputSize, 9);
        (float[] Output, float[] DInput, float[] DWeights) Run()
        {
            var workspace = new float[Conv2d.WorkspaceSize(s)];
            workspace.AsSpan().Fill(float.NaN); // nothing may depend on what the workspace held before
            var output = new float[s.OutputSize];
            var dInput = new float[s.InputSize];
            var dWeights = new float[s.WeightSize];
            Conv2d.Forward(s, input, weights, [], output, workspace);
            Conv2d.BackwardData(s, upstream, weights, dInput, workspace);
            Conv2d.BackwardWeights(s, input, upstream, dWeights, [], workspace);
            return (output, dInput, dWeights);
        }
        var first = Run();
        var second = Run();
        Assert.Equal(first.Output, second.Output);
        Assert.Equal(first.DInput, second.DInput);
        Assert.Equal(first.DWeights, second.DWeights);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardMatchesDirectConvolution(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 10;
        foreach (Conv2dShape s in s_shapes)
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), weights = RandomData.Uniform(s.WeightSize, seed++), bias = RandomData.Uniform(s.OutChannels, seed++);
            var output = new float[s.OutputSize];
            Conv2d.Forward(s, input, weights, bias, output, new float[Conv2d.WorkspaceSize(s)]);
            double[] expected = ReferenceConv2d.Forward(s, Arrays.ToDouble(input), Arrays.ToDouble(weights), Arrays.ToDouble(bias));
            Tolerance.AssertClose(expected, output, 1e-4, 1e-4, $"conv {s}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void BackwardMatchesFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 100;
        foreach (Conv2dShape s in s_shapes)
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), weights = RandomData.Uniform(s.WeightSize, seed++), bias = RandomData.Uniform(s.OutChannels, seed++);
            float[] upstream = RandomData.Uniform(s.OutputSize, seed++);
            var workspace = new float[Conv2d.WorkspaceSize(s)];
            var dInput = new float[s.InputSize];
            var dWeights = new float[s.WeightSize];
            var dBias = new float[s.OutChannels];
            Conv2d.BackwardData(s, upstream, weights, dInput, workspace);
            Conv2d.BackwardWeights(s, input, upstream, dWeights, dBias, workspace);

            double[] x = Arrays.ToDouble(input), w = Arrays.ToDouble(weights), b = Arrays.ToDouble(bias);
            double Loss(double[] xi, double[] wi, double[] bi) => Arrays.Dot(ReferenceConv2d.Forward(s, xi, wi, bi), upstream);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(v, w, b), x), dInput, 1e-4, 1e-5, $"dInput {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, v, b), w), dWeights, 1e-4, 1e-5, $"dWeights {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, w, v), b), dBias, 1e-4, 1e-5, $"dBias {s}");
        }
    }

    [Fact]
    public void WeightGradientsAccumulateAndDoNotDependOnTheRunWithFixedThreads()
    {
        var s = new Conv2dShape(5, 2, 8, 8, 3, 3, 3, 1, 1, 1, 1);
        float[] input = RandomData.Uniform(s.InputSize, 1), upstream = RandomData.Uniform(s.OutputSize, 2);
        var workspace = new float[Conv2d.WorkspaceSize(s)];
        var once = new float[s.WeightSize];
        var twice = new float[s.WeightSize];
        var again = new float[s.WeightSize];
        Conv2d.BackwardWeights(s, input, upstream, once, [], workspace);
        Conv2d.BackwardWeights(s, input, upstream, twice, [], workspace);
        Conv2d.BackwardWeights(s, input, upstream, twice, [], workspace);
        Conv2d.BackwardWeights(s, input, upstream, again, [], workspace);
        Assert.Equal(once, again);
        Tolerance.AssertClose(once.Select(v => 2.0 * v).ToArray(), twice, 1e-5, 1e-6);
    }

    [Fact]
    public void SmallWorkspaceStillGivesTheSameAnswer()
    {
        var s = new Conv2dShape(4, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1);
        float[] input = RandomData.Uniform(s.InputSize, 3), weights = RandomData.Uniform(s.WeightSize, 4);
        var full = new float[s.OutputSize];
        var narrow = new float[s.OutputSize];
        int saved = KernelSettings.ThreadCount;
        int oneSlice;
        try
        {
            KernelSettings.ThreadCount = 1;
            oneSlice = Conv2d.WorkspaceSize(s);
        }
        finally
        {
            KernelSettings.ThreadCount = saved;
        }
        Conv2d.Forward(s, input, weights, [], full, new float[Conv2d.WorkspaceSize(s)]);
        Conv2d.Forward(s, input, weights, [], narrow, new float[oneSlice]); // room for one thread only
        Assert.Equal(full, narrow);
    }

    [Fact]
    public void WrongSizesNameTheArgument()
    {
        var s = new Conv2dShape(1, 1, 4, 4, 1, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(s, new float[15], new float[9], [], new float[4], new float[100]));
        Assert.Equal("input", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(s, new float[16], new float[9], [], new float[4], new float[1]));
        Assert.Equal("workspace", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(s, new float[16], new float[9], new float[2], new float[4], new float[100]));
        Assert.Equal("bias", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(s with { KernelHeight = 5 }, new float[16], new float[9], [], new float[4], new float[100]));
        Assert.Equal("shape", e.ParamName);
    }

    [Fact]
    public void BackwardPassesNameTheArgumentThatIsWrong()
    {
        // dInput has the input's size and dOutput the output's: a swap must be reported against the right name.
        var s = new Conv2dShape(1, 1, 4, 4, 1, 3, 3);
        float[] work = new float[Conv2d.WorkspaceSize(s)];
        var e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardData(s, new float[4], new float[9], new float[4], work));
        Assert.Equal("dInput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardData(s, new float[16], new float[9], new float[16], work));
        Assert.Equal("dOutput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardWeights(s, new float[16], new float[4], new float[8], [], work));
        Assert.Equal("dWeights", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardWeights(s, new float[16], new float[4], new float[9], new float[3], work));
        Assert.Equal("dBias", e.ParamName);
    }
}
