using MLNet.Extensions.Kernels.Recurrent;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Recurrent;

public class LstmLayerTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private sealed record Case(LstmShape Shape, bool InitialState, int[]? Lengths);

    private static readonly Case[] s_cases =
    [
        new(new LstmShape(1, 1, 1, 1), false, null),
        new(new LstmShape(2, 4, 3, 5), true, null),
        new(new LstmShape(3, 5, 2, 3), false, [5, 2, 0]),
        new(new LstmShape(4, 6, 7, 9), true, [1, 6, 3, 4]),
    ];

    private sealed class Data
    {
        public Data(LstmShape s, ulong seed)
        {
            X = RandomData.Uniform(s.Steps * s.Batch * s.InputSize, seed);
            WIh = RandomData.Uniform(s.GateSize * s.InputSize, seed + 1, 0.5f);
            WHh = RandomData.Uniform(s.GateSize * s.HiddenSize, seed + 2, 0.5f);
            Bias = RandomData.Uniform(s.GateSize, seed + 3, 0.5f);
            H0 = RandomData.Uniform(s.Batch * s.HiddenSize, seed + 4);
            C0 = RandomData.Uniform(s.Batch * s.HiddenSize, seed + 5);
            Up = RandomData.Uniform(s.Steps * s.Batch * s.HiddenSize, seed + 6);
        }

        public float[] X, WIh, WHh, Bias, H0, C0, Up;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardAndBackwardMatchReferenceAndFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1;
        foreach (Case c in s_cases)
        {
            LstmShape s = c.Shape;
            var d = new Data(s, seed += 10);
            float[] h0 = c.InitialState ? d.H0 : [], c0 = c.InitialState ? d.C0 : [];
            int[] lengths = c.Lengths ?? [];
            var hidden = new float[s.Steps * s.Batch * s.HiddenSize];
            var cell = new float[hidden.Length];
            var gates = new float[s.Steps * s.Batch * s.GateSize];
            var workspace = new float[Math.Max(LstmLayer.ForwardWorkspaceSize(s), LstmLayer.BackwardWorkspaceSize(s))];
            LstmLayer.Forward(s, d.X, d.WIh, d.WHh, d.Bias, h0, c0, lengths, hidden, cell, gates, workspace);

            double[] x = Arrays.ToDouble(d.X), wIh = Arrays.ToDouble(d.WIh), wHh = Arrays.ToDouble(d.WHh), b = Arrays.ToDouble(d.Bias);
            double[]? h0d = c.InitialState ? Arrays.ToDouble(d.H0) : null, c0d = c.InitialState ? Arrays.ToDouble(d.C0) : null;
            Tolerance.AssertClose(ReferenceLstm.Forward(s, x, wIh, wHh, b, h0d, c0d, c.Lengths), hidden, 1e-4, 1e-5, $"h {s}");

            var dX = new float[x.Length];
            var dWIh = new float[wIh.Length];
            var dWHh = new float[wHh.Length];
            var dB = new float[b.Length];
            var dH0 = new float[s.Batch * s.HiddenSize];
            var dC0 = new float[s.Batch * s.HiddenSize];
            LstmLayer.Backward(s, d.X, d.WIh, d.WHh, h0, c0, lengths, hidden, cell, gates, d.Up, dX, dWIh, dWHh, dB,
                c.InitialState ? dH0 : [], c.InitialState ? dC0 : [], workspace);
            double Loss(double[] xi, double[] wi, double[] wh, double[] bi, double[]? hi, double[]? ci) =>
                Arrays.Dot(ReferenceLstm.Forward(s, xi, wi, wh, bi, hi, ci, c.Lengths), d.Up);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(v, wIh, wHh, b, h0d, c0d), x), dX, 1e-3, 1e-5, $"dX {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, v, wHh, b, h0d, c0d), wIh), dWIh, 1e-3, 1e-5, $"dWih {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, v, b, h0d, c0d), wHh), dWHh, 1e-3, 1e-5, $"dWhh {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, wHh, v, h0d, c0d), b), dB, 1e-3, 1e-5, $"dBias {s}");
            if (c.InitialState)
            {
                Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, wHh, b, v, c0d), h0d!), dH0, 1e-3, 1e-5, $"dH0 {s}");
                Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, wHh, b, h0d, v), c0d!), dC0, 1e-3, 1e-5, $"dC0 {s}");
            }
        }
    }

    [Fact]
    public void InputsAtPaddedStepsChangeNothing()
    {
        var s = new LstmShape(2, 5, 3, 4);
        var d = new Data(s, 77);
        int[] lengths = [2, 5];
        (float[] hidden, float[] dW) Run(float[] x)
        {
            var hidden = new float[s.Steps * s.Batch * s.HiddenSize];
            var cell = new float[hidden.Length];
            var gates = new float[s.Steps * s.Batch * s.GateSize];
            var workspace = new float[LstmLayer.BackwardWorkspaceSize(s)];
            LstmLayer.Forward(s, x, d.WIh, d.WHh, d.Bias, [], [], lengths, hidden, cell, gates, workspace);
            var dW = new float[d.WIh.Length];
            LstmLayer.Backward(s, x, d.WIh, d.WHh, [], [], lengths, hidden, cell, gates, d.Up, [], dW, new float[d.WHh.Length],
                new float[d.Bias.Length], [], [], workspace);
            return (hidden, dW);
        }
        var (h1, w1) = Run(d.X);
        float[] changed = (float[])d.X.Clone();
        for (int step = 2; step < 5; step++)
            for (int k = 0; k < 3; k++)
                changed[(step * 2 + 0) * 3 + k] = 100f; // sequence 0 is padded after step 1
        var (h2, w2) = Run(changed);
        Assert.Equal(h1, h2);
        Assert.Equal(w1, w2);
    }

    [Fact]
    public void WrongSizesNameTheArgument()
    {
        var s = new LstmShape(1, 2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => LstmLayer.Forward(s, new float[5], new float[48], new float[64], new float[16], [], [], [],
            new float[8], new float[8], new float[32], new float[100]));
        Assert.Equal("input", e.ParamName);
    }
}
