using MLNet.Extensions.Kernels.Recurrent;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Recurrent;

public class LstmInferenceTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    // Row counts below and above the 8-row tile and a hidden size that is not a multiple of any vector width, with and
    // without padded sequences; the last case is large enough for the rows to be split across threads, and the few-row
    // cases after the first are large enough for their hidden units to be (one or two rows, and five rows, which take
    // the packed GEMM per gate; 100 units leave a tail past the last 16-unit block).
    private static readonly (LstmShape Shape, int[]? Lengths)[] s_cases =
    [
        (new LstmShape(1, 3, 2, 5), null),
        (new LstmShape(1, 6, 5, 128), null),
        (new LstmShape(2, 5, 3, 100), [5, 2]),
        (new LstmShape(5, 4, 6, 72), [4, 0, 1, 3, 4]),
        (new LstmShape(9, 5, 3, 21), [5, 1, 0, 3, 5, 2, 4, 5, 5]),
        (new LstmShape(37, 4, 7, 33), null),
        (new LstmShape(64, 28, 28, 40), Enumerable.Range(0, 64).Select(i => 1 + i % 28).ToArray()),
    ];

    [Theory]
    [MemberData(nameof(Widths))]
    public void FinalAndEveryStepStatesMatchTheReference(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        using var threads = new KernelThreadScope(2);
        ulong seed = 100;
        foreach ((LstmShape s, int[]? lengths) in s_cases)
        {
            float[] x = RandomData.Uniform(s.Steps * s.Batch * s.InputSize, seed += 10);
            float[] wIh = RandomData.Uniform(s.GateSize * s.InputSize, seed + 1, 0.5f);
            float[] wHh = RandomData.Uniform(s.GateSize * s.HiddenSize, seed + 2, 0.5f);
            float[] bias = RandomData.Uniform(s.GateSize, seed + 3, 0.5f);
            var workspace = new float[LstmLayer.InferWorkspaceSize(s)];
            // Final states land in the second half of rows twice as wide, as a bidirectional layer's reverse direction does.
            int stride = 2 * s.HiddenSize;
            var final = new float[s.Batch * stride];
            var hidden = new float[s.Steps * s.Batch * s.HiddenSize];
            LstmLayer.Infer(s, x, wIh, wHh, bias, lengths ?? [], final.AsSpan(s.HiddenSize), stride, hidden, workspace);

            double[] expected = ReferenceLstm.Forward(s, Arrays.ToDouble(x), Arrays.ToDouble(wIh), Arrays.ToDouble(wHh),
                Arrays.ToDouble(bias), null, null, lengths);
            Tolerance.AssertClose(expected, hidden, 1e-4, 1e-5, $"every step {s}");
            int last = (s.Steps - 1) * s.Batch * s.HiddenSize;
            for (int b = 0; b < s.Batch; b++)
            {
                Tolerance.AssertClose(expected.AsSpan(last + b * s.HiddenSize, s.HiddenSize).ToArray(),
                    final.AsSpan(b * stride + s.HiddenSize, s.HiddenSize).ToArray(), 1e-4, 1e-5, $"final row {b} {s}");
                Assert.All(final.AsSpan(b * stride, s.HiddenSize).ToArray(), v => Assert.Equal(0f, v));
            }

            // Without the every-step output, the final states are the same floats.
            var finalOnly = new float[final.Length];
            LstmLayer.Infer(s, x, wIh, wHh, bias, lengths ?? [], finalOnly.AsSpan(s.HiddenSize), stride, [], workspace);
            Assert.Equal(final, finalOnly);
        }
    }

    [Fact]
    public void TheSplitAcrossThreadsDoesNotChangeTheResult()
    {
        (LstmShape s, int[]? lengths) = s_cases[^1];
        float[] x = RandomData.Uniform(s.Steps * s.Batch * s.InputSize, 7);
        float[] wIh = RandomData.Uniform(s.GateSize * s.InputSize, 8, 0.5f);
        float[] wHh = RandomData.Uniform(s.GateSize * s.HiddenSize, 9, 0.5f);
        float[] bias = RandomData.Uniform(s.GateSize, 10, 0.5f);
        var workspace = new float[LstmLayer.InferWorkspaceSize(s)];
        float[] Run(int threadCount)
        {
            using var threads = new KernelThreadScope(threadCount);
            var final = new float[s.Batch * s.HiddenSize];
            LstmLayer.Infer(s, x, wIh, wHh, bias, lengths, final, s.HiddenSize, [], workspace);
            return final;
        }
        Assert.Equal(Run(1), Run(2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SharingAFewRowsHiddenUnitsAmongThreadsDoesNotChangeTheResult(int caseIndex)
    {
        (LstmShape s, int[]? lengths) = s_cases[caseIndex];
        float[] x = RandomData.Uniform(s.Steps * s.Batch * s.InputSize, 17);
        float[] wIh = RandomData.Uniform(s.GateSize * s.InputSize, 18, 0.5f);
        float[] wHh = RandomData.Uniform(s.GateSize * s.HiddenSize, 19, 0.5f);
        float[] bias = RandomData.Uniform(s.GateSize, 20, 0.5f);
        var workspace = new float[LstmLayer.InferWorkspaceSize(s)];
        (float[] Final, float[] Hidden) Run(int threadCount)
        {
            using var threads = new KernelThreadScope(threadCount);
            var final = new float[s.Batch * s.HiddenSize];
            var hidden = new float[s.Steps * s.Batch * s.HiddenSize];
            LstmLayer.Infer(s, x, wIh, wHh, bias, lengths ?? [], final, s.HiddenSize, hidden, workspace);
            return (final, hidden);
        }
        (float[] final1, float[] hidden1) = Run(1);
        foreach (int threadCount in new[] { 2, 3 })
        {
            (float[] final, float[] hidden) = Run(threadCount);
            Assert.Equal(final1, final);
            Assert.Equal(hidden1, hidden);
        }
    }

    [Fact]
    public void WrongSizesNameTheArgument()
    {
        var s = new LstmShape(2, 3, 4, 5);
        float[] x = new float[s.Steps * s.Batch * s.InputSize], wIh = new float[s.GateSize * s.InputSize];
        float[] wHh = new float[s.GateSize * s.HiddenSize], bias = new float[s.GateSize];
        var workspace = new float[LstmLayer.InferWorkspaceSize(s)];
        Assert.Equal("final", Assert.Throws<ArgumentException>(() =>
            LstmLayer.Infer(s, x, wIh, wHh, bias, [], new float[9], 5, [], workspace)).ParamName);
        Assert.Equal("hidden", Assert.Throws<ArgumentException>(() =>
            LstmLayer.Infer(s, x, wIh, wHh, bias, [], new float[10], 5, new float[7], workspace)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() =>
            LstmLayer.Infer(s, x, wIh, wHh, new float[3], [], new float[10], 5, [], workspace)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() =>
            LstmLayer.Infer(s, x, wIh, wHh, bias, [], new float[10], 5, [], new float[4])).ParamName);
    }
}
