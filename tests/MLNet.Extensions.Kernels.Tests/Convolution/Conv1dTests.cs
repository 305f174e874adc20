using MLNet.Extensions.Kernels.Convolution;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Convolution;

public class Conv1dTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private static readonly Conv1dLowering[] s_lowerings = [Conv1dLowering.Windows, Conv1dLowering.Taps];

    private static Conv1dShape Shape(int batch, int steps, int channels, int outChannels, int kernel, int stride, int dilation, Conv1dPaddingMode mode)
    {
        (int left, int right) = Conv1dPadding.Resolve(mode, kernel, dilation);
        return new Conv1dShape(batch, steps, channels, outChannels, kernel, stride, dilation, left, right);
    }

    /// <summary>Kernels 1..7, strides 1..3, dilations 1..2 and every padding mode, with odd channel counts and N = 1..3.</summary>
    private static IEnumerable<Conv1dShape> Sweep()
    {
        foreach (Conv1dPaddingMode mode in Enum.GetValues<Conv1dPaddingMode>())
        for (int kernel = 1; kernel <= 7; kernel++)
        for (int stride = 1; stride <= 3; stride++)
        for (int dilation = 1; dilation <= 2; dilation++)
        {
            int span = dilation * (kernel - 1) + 1;
            // Valid needs the whole window inside; the padded modes also get sequences shorter than the window.
            int steps = mode == Conv1dPaddingMode.Valid ? span + (kernel + stride) % 4 : 1 + (kernel * 3 + stride + dilation) % (span + 3);
            yield return Shape(1 + (kernel + stride) % 3, steps, 1 + 2 * ((kernel + dilation) % 3), 1 + (kernel + stride + dilation) % 4, kernel, stride, dilation, mode);
        }
    }

    /// <summary>Wider shapes: channel counts on both sides of the lowering threshold, vector tails and several sample groups.</summary>
    private static readonly Conv1dShape[] s_wide =
    [
        new(3, 23, 17, 9, 3, 1, 1, 1, 1),
        new(2, 30, 16, 33, 5, 2, 1, 0, 0),
        new(1, 19, 21, 4, 4, 1, 3, 9, 0),
        new(20, 11, 5, 7, 2, 1, 1, 1, 0),
        new(4, 40, 33, 17, 7, 3, 2, 6, 6),
        new(2, 700, 15, 3, 7, 1, 1, 3, 3), // 105-float windows: a sample spans two blocks of gathered rows
    ];

    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardMatchesDirectConvolutionForEveryLowering(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 10;
        foreach (Conv1dShape s in Sweep().Concat(s_wide))
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), weights = RandomData.Uniform(s.WeightSize, seed++), bias = RandomData.Uniform(s.OutputChannels, seed++);
            double[] expected = ReferenceConv1d.Forward(s, Arrays.ToDouble(input), Arrays.ToDouble(weights), Arrays.ToDouble(bias));
            double[] expectedNoBias = ReferenceConv1d.Forward(s, Arrays.ToDouble(input), Arrays.ToDouble(weights), null);
            foreach (Conv1dLowering lowering in s_lowerings)
            {
                var output = new float[s.OutputSize];
                var workspace = new float[Conv1d.WorkspaceSize(s, lowering)];
                output.AsSpan().Fill(float.NaN); // the forward must overwrite
                Conv1d.Forward(s, input, weights, bias, output, workspace, lowering);
                Tolerance.AssertClose(expected, output, 1e-4, 1e-5, $"{lowering} {s}");
                Conv1d.Forward(s, input, weights, [], output, workspace, lowering);
                Tolerance.AssertClose(expectedNoBias, output, 1e-4, 1e-5, $"{lowering} no bias {s}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void BackwardMatchesFiniteDifferencesForEveryLowering(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1000;
        foreach (Conv1dShape s in Sweep().Concat(s_wide.Take(3)))
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), weights = RandomData.Uniform(s.WeightSize, seed++), bias = RandomData.Uniform(s.OutputChannels, seed++);
            float[] upstream = RandomData.Uniform(s.OutputSize, seed++);
            double[] x = Arrays.ToDouble(input), w = Arrays.ToDouble(weights), b = Arrays.ToDouble(bias);
            double Loss(double[] xi, double[] wi, double[] bi) => Arrays.Dot(ReferenceConv1d.Forward(s, xi, wi, bi), upstream);
            double[] expectedDInput = FiniteDifference.Gradient(v => Loss(v, w, b), x);
            double[] expectedDWeights = FiniteDifference.Gradient(v => Loss(x, v, b), w);
            double[] expectedDBias = FiniteDifference.Gradient(v => Loss(x, w, v), b);
            foreach (Conv1dLowering lowering in s_lowerings)
            {
                var workspace = new float[Conv1d.WorkspaceSize(s, lowering)];
                var dInput = new float[s.InputSize];
                dInput.AsSpan().Fill(float.NaN); // overwritten, not accumulated
                var dWeights = new float[s.WeightSize];
                var dBias = new float[s.OutputChannels];
                Conv1d.BackwardData(s, upstream, weights, dInput, workspace, lowering);
                Conv1d.BackwardWeights(s, input, upstream, dWeights, dBias, workspace, lowering);
                Tolerance.AssertClose(expectedDInput, dInput, 1e-4, 1e-5, $"dInput {lowering} {s}");
                Tolerance.AssertClose(expectedDWeights, dWeights, 1e-4, 1e-5, $"dWeights {lowering} {s}");
                Tolerance.AssertClose(expectedDBias, dBias, 1e-4, 1e-5, $"dBias {lowering} {s}");
            }
        }
    }

    [Fact]
    public void AutomaticLoweringPicksTapsForWideInputs()
    {
        // Public entry points agree with the lowering they are documented to pick, bit for bit.
        foreach (Conv1dShape s in s_wide)
        {
            Conv1dLowering expected = s.InputChannels >= Conv1d.TapMinChannels ? Conv1dLowering.Taps : Conv1dLowering.Windows;
            float[] input = RandomData.Uniform(s.InputSize, 5), weights = RandomData.Uniform(s.WeightSize, 6);
            var automatic = new float[s.OutputSize];
            var forced = new float[s.OutputSize];
            Conv1d.Forward(s, input, weights, [], automatic, new float[Conv1d.WorkspaceSize(s)]);
            Conv1d.Forward(s, input, weights, [], forced, new float[Conv1d.WorkspaceSize(s, expected)], expected);
            Assert.Equal(forced, automatic);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ResultsAreIdenticalAcrossRunsThreadCountsAndWorkspaceSizes(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        int saved = KernelSettings.ThreadCount;
        try
        {
            foreach (Conv1dShape s in new Conv1dShape[] { new(37, 21, 3, 8, 5, 1, 1, 2, 2), new(19, 17, 20, 6, 3, 2, 1, 2, 0), new(1, 300, 2, 5, 4, 1, 2, 6, 0) })
            foreach (Conv1dLowering lowering in s_lowerings)
            {
                float[] input = RandomData.Uniform(s.InputSize, 7), weights = RandomData.Uniform(s.WeightSize, 8);
                float[] bias = RandomData.Uniform(s.OutputChannels, 9), upstream = RandomData.Uniform(s.OutputSize, 10);
                (float[] Y, float[] DX, float[] DW, float[] DB) Run(int threads, bool oneSlice)
                {
                    KernelSettings.ThreadCount = oneSlice ? 1 : threads;
                    var workspace = new float[Conv1d.WorkspaceSize(s, lowering)];
                    KernelSettings.ThreadCount = threads;
                    var y = new float[s.OutputSize];
                    var dx = new float[s.InputSize];
                    var dw = new float[s.WeightSize];
                    var db = new float[s.OutputChannels];
                    Conv1d.Forward(s, input, weights, bias, y, workspace, lowering);
                    Conv1d.BackwardData(s, upstream, weights, dx, workspace, lowering);
                    Conv1d.BackwardWeights(s, input, upstream, dw, db, workspace, lowering);
                    return (y, dx, dw, db);
                }
                var first = Run(1, false);
                foreach ((int threads, bool oneSlice) in new[] { (1, false), (2, false), (3, false), (3, true) })
                {
                    var other = Run(threads, oneSlice);
                    Assert.Equal(first.Y, other.Y);
                    Assert.Equal(first.DX, other.DX);
                    Assert.Equal(first.DW, other.DW);
                    Assert.Equal(first.DB, other.DB);
                }
            }
        }
        finally
        {
            KernelSettings.ThreadCount = saved;
        }
    }

    [Fact]
    public void WeightGradientsAccumulate()
    {
        var s = new Conv1dShape(5, 12, 3, 4, 3, 1, 1, 1, 1);
        float[] input = RandomData.Uniform(s.InputSize, 1), upstream = RandomData.Uniform(s.OutputSize, 2);
        var workspace = new float[Conv1d.WorkspaceSize(s)];
        float[] once = new float[s.WeightSize], onceBias = new float[s.OutputChannels];
        float[] twice = new float[s.WeightSize], twiceBias = new float[s.OutputChannels];
        Conv1d.BackwardWeights(s, input, upstream, once, onceBias, workspace);
        Conv1d.BackwardWeights(s, input, upstream, twice, twiceBias, workspace);
        Conv1d.BackwardWeights(s, input, upstream, twice, twiceBias, workspace);
        // x + x is exact in binary floating point, so accumulation shows as an exact doubling.
        Assert.Equal(once.Select(v => 2 * v), twice);
        Assert.Equal(onceBias.Select(v => 2 * v), twiceBias);
    }

    [Fact]
    public void SamePaddingKeepsTheLengthAndSplitsTheExtraStepToTheRight()
    {
        Assert.Equal((0, 0), Conv1dPadding.Resolve(Conv1dPaddingMode.Valid, 5, 2));
        Assert.Equal((1, 2), Conv1dPadding.Resolve(Conv1dPaddingMode.Same, 4));
        Assert.Equal((2, 2), Conv1dPadding.Resolve(Conv1dPaddingMode.Same, 3, 2));
        Assert.Equal((6, 0), Conv1dPadding.Resolve(Conv1dPaddingMode.Causal, 4, 2));
        for (int kernel = 1; kernel <= 7; kernel++)
        for (int dilation = 1; dilation <= 3; dilation++)
        for (int stride = 1; stride <= 3; stride++)
        {
            Conv1dShape same = Shape(1, 10, 1, 1, kernel, stride, dilation, Conv1dPaddingMode.Same);
            Conv1dShape causal = Shape(1, 10, 1, 1, kernel, stride, dilation, Conv1dPaddingMode.Causal);
            Assert.Equal((10 + stride - 1) / stride, same.OutputSteps);
            Assert.Equal((10 + stride - 1) / stride, causal.OutputSteps);
        }
    }

    [Fact]
    public void CausalOutputsDoNotSeeLaterSteps()
    {
        foreach (int dilation in new[] { 1, 3 })
        {
            Conv1dShape s = Shape(2, 16, 3, 2, 4, 1, dilation, Conv1dPaddingMode.Causal);
            float[] input = RandomData.Uniform(s.InputSize, 11), weights = RandomData.Uniform(s.WeightSize, 12);
            var before = new float[s.OutputSize];
            var after = new float[s.OutputSize];
            var workspace = new float[Conv1d.WorkspaceSize(s)];
            Conv1d.Forward(s, input, weights, [], before, workspace);
            const int changed = 9;
            for (int n = 0; n < s.Batch; n++)
                input[(n * s.Steps + changed) * s.InputChannels + 1] += 1f;
            Conv1d.Forward(s, input, weights, [], after, workspace);
            int stepFloats = s.OutputChannels;
            for (int n = 0; n < s.Batch; n++)
            {
                int sample = n * s.OutputSteps * stepFloats;
                Assert.Equal(before.AsSpan(sample, changed * stepFloats).ToArray(), after.AsSpan(sample, changed * stepFloats).ToArray());
                Assert.NotEqual(before[sample + changed * stepFloats], after[sample + changed * stepFloats]);
            }
        }
    }

    [Fact]
    public void AnEmptyBatchLeavesTheGradientsAsTheyWere()
    {
        var s = new Conv1dShape(0, 5, 3, 2, 3);
        var workspace = new float[Conv1d.WorkspaceSize(s)];
        float[] dWeights = RandomData.Uniform(s.WeightSize, 3), dBias = RandomData.Uniform(s.OutputChannels, 4);
        float[] weightsBefore = (float[])dWeights.Clone(), biasBefore = (float[])dBias.Clone();
        Conv1d.Forward(s, [], RandomData.Uniform(s.WeightSize, 5), [], [], workspace);
        Conv1d.BackwardData(s, [], RandomData.Uniform(s.WeightSize, 5), [], workspace);
        Conv1d.BackwardWeights(s, [], [], dWeights, dBias, workspace);
        Assert.Equal(weightsBefore, dWeights);
        Assert.Equal(biasBefore, dBias);
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        var s = new Conv1dShape(2, 6, 3, 4, 3);
        float[] x = new float[s.InputSize], w = new float[s.WeightSize], y = new float[s.OutputSize], work = new float[Conv1d.WorkspaceSize(s)];

        var e = Assert.Throws<ArgumentException>(() => Conv1d.Forward(s, new float[x.Length - 1], w, [], y, work));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("expected N*T*C = 36", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv1d.Forward(s, x, new float[w.Length + 1], [], y, work));
        Assert.Equal("weights", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.Forward(s, x, w, new float[3], y, work));
        Assert.Equal("bias", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.Forward(s, x, w, [], new float[y.Length + 4], work));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.Forward(s, x, w, [], y, new float[1]));
        Assert.Equal("workspace", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.BackwardData(s, new float[1], w, x, work));
        Assert.Equal("dOutput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.BackwardData(s, y, w, new float[1], work));
        Assert.Equal("dInput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.BackwardWeights(s, x, y, new float[1], [], work));
        Assert.Equal("dWeights", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv1d.BackwardWeights(s, x, y, w, new float[5], work));
        Assert.Equal("dBias", e.ParamName);

        var tooShort = new Conv1dShape(1, 4, 1, 1, 3, 1, 2);
        e = Assert.Throws<ArgumentException>(() => Conv1d.WorkspaceSize(tooShort));
        Assert.Equal("shape", e.ParamName);
        Assert.Contains("shorter than the dilated kernel", e.Message);
        foreach (Conv1dShape bad in new Conv1dShape[] { s with { Stride = 0 }, s with { Dilation = 0 }, s with { KernelSize = 0 }, s with { PadLeft = -1 }, s with { InputChannels = 0 }, s with { Steps = 0 } })
            Assert.Equal("shape", Assert.Throws<ArgumentException>(() => Conv1d.Forward(bad, x, w, [], y, work)).ParamName);

        Assert.Equal("kernelSize", Assert.Throws<ArgumentOutOfRangeException>(() => Conv1dPadding.Resolve(Conv1dPaddingMode.Same, 0)).ParamName);
        Assert.Equal("dilation", Assert.Throws<ArgumentOutOfRangeException>(() => Conv1dPadding.Resolve(Conv1dPaddingMode.Same, 3, 0)).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentOutOfRangeException>(() => Conv1dPadding.Resolve((Conv1dPaddingMode)7, 3)).ParamName);
    }
}
