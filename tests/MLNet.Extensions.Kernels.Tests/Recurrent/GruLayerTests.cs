using MLNet.Extensions.Kernels.Recurrent;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Recurrent;

public class GruLayerTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private sealed record Case(GruShape Shape, bool InitialState, int[]? Lengths);

    // H = 1, 3, 5, 9, 17 leave a scalar tail at every width (17 > 16 lanes of Vector512); N = 8 takes the transposed-W_hh path.
    private static readonly Case[] s_cases =
    [
        new(new GruShape(1, 1, 1, 1), false, null),
        new(new GruShape(2, 4, 3, 5), true, null),
        new(new GruShape(3, 5, 2, 3), false, [5, 2, 0]),
        new(new GruShape(1, 3, 4, 17), true, null),
        new(new GruShape(4, 1, 7, 9), true, [1, 0, 1, 1]),
        new(new GruShape(8, 3, 3, 9), true, [3, 1, 2, 3, 0, 3, 2, 1]),
    ];

    private sealed class Data
    {
        public Data(GruShape s, ulong seed)
        {
            X = RandomData.Uniform(s.Steps * s.Batch * s.InputSize, seed);
            WIh = RandomData.Uniform(s.GateSize * s.InputSize, seed + 1, 0.5f);
            WHh = RandomData.Uniform(s.GateSize * s.HiddenSize, seed + 2, 0.5f);
            BIh = RandomData.Uniform(s.GateSize, seed + 3, 0.5f);
            BHh = RandomData.Uniform(s.GateSize, seed + 4, 0.5f);
            H0 = RandomData.Uniform(s.Batch * s.HiddenSize, seed + 5);
            Up = RandomData.Uniform(s.Steps * s.Batch * s.HiddenSize, seed + 6);
        }

        public float[] X, WIh, WHh, BIh, BHh, H0, Up;
    }

    /// <summary>Everything one forward and backward pass writes.</summary>
    private sealed class Run
    {
        public Run(GruShape s, Data d, float[] x, float[] h0, int[] lengths, bool wantDInitial = true)
        {
            Hidden = new float[s.Steps * s.Batch * s.HiddenSize];
            Cache = new float[GruLayer.CacheSize(s)];
            var workspace = new float[Math.Max(GruLayer.ForwardWorkspaceSize(s), GruLayer.BackwardWorkspaceSize(s))];
            GruLayer.Forward(s, x, d.WIh, d.WHh, d.BIh, d.BHh, h0, lengths, Hidden, Cache, workspace);
            DX = new float[x.Length];
            DWIh = new float[d.WIh.Length];
            DWHh = new float[d.WHh.Length];
            DBIh = new float[d.BIh.Length];
            DBHh = new float[d.BHh.Length];
            DH0 = new float[wantDInitial ? s.Batch * s.HiddenSize : 0];
            GruLayer.Backward(s, x, d.WIh, d.WHh, h0, lengths, Hidden, Cache, d.Up, DX, DWIh, DWHh, DBIh, DBHh, DH0, workspace);
        }

        public float[] Hidden, Cache, DX, DWIh, DWHh, DBIh, DBHh, DH0;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardAndBackwardMatchReferenceAndFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1;
        foreach (Case c in s_cases)
        {
            GruShape s = c.Shape;
            var d = new Data(s, seed += 10);
            float[] h0 = c.InitialState ? d.H0 : [];
            var run = new Run(s, d, d.X, h0, c.Lengths ?? []);

            double[] x = Arrays.ToDouble(d.X), wIh = Arrays.ToDouble(d.WIh), wHh = Arrays.ToDouble(d.WHh);
            double[] bIh = Arrays.ToDouble(d.BIh), bHh = Arrays.ToDouble(d.BHh);
            double[] h0d = c.InitialState ? Arrays.ToDouble(d.H0) : new double[s.Batch * s.HiddenSize];
            Tolerance.AssertClose(ReferenceGru.Forward(s, x, wIh, wHh, bIh, bHh, c.InitialState ? h0d : null, c.Lengths), run.Hidden,
                1e-4, 1e-5, $"h {s}");

            // The gradient at a zero initial state is defined too, so dH0 is checked with and without one.
            double Loss(double[] xi, double[] wi, double[] wh, double[] bi, double[] bh, double[] hi) =>
                Arrays.Dot(ReferenceGru.Forward(s, xi, wi, wh, bi, bh, hi, c.Lengths), d.Up);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(v, wIh, wHh, bIh, bHh, h0d), x), run.DX, 1e-3, 1e-5, $"dX {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, v, wHh, bIh, bHh, h0d), wIh), run.DWIh, 1e-3, 1e-5, $"dWih {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, v, bIh, bHh, h0d), wHh), run.DWHh, 1e-3, 1e-5, $"dWhh {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, wHh, v, bHh, h0d), bIh), run.DBIh, 1e-3, 1e-5, $"dBih {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, wHh, bIh, v, h0d), bHh), run.DBHh, 1e-3, 1e-5, $"dBhh {s}");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Loss(x, wIh, wHh, bIh, bHh, v), h0d), run.DH0, 1e-3, 1e-5, $"dH0 {s}");
        }
    }

    [Fact]
    public void InputsAtPaddedStepsChangeNothing()
    {
        var s = new GruShape(2, 5, 3, 4);
        var d = new Data(s, 77);
        int[] lengths = [2, 5];
        var before = new Run(s, d, d.X, d.H0, lengths);
        float[] changed = (float[])d.X.Clone();
        for (int step = 2; step < 5; step++)
            for (int k = 0; k < 3; k++)
                changed[(step * 2 + 0) * 3 + k] = 100f; // sequence 0 is padded after step 1
        var after = new Run(s, d, changed, d.H0, lengths);
        Assert.Equal(before.Hidden, after.Hidden);
        Assert.Equal(before.DWIh, after.DWIh);
        Assert.Equal(before.DWHh, after.DWHh);
        Assert.Equal(before.DBIh, after.DBIh);
        Assert.Equal(before.DBHh, after.DBHh);
        Assert.Equal(before.DH0, after.DH0);
        Assert.Equal(before.DX, after.DX);
        for (int step = 2; step < 5; step++)
        {
            for (int j = 0; j < 4; j++)
                Assert.Equal(before.Hidden[(1 * 2 + 0) * 4 + j], before.Hidden[(step * 2 + 0) * 4 + j]); // state carried
            for (int k = 0; k < 3; k++)
                Assert.Equal(0f, before.DX[(step * 2 + 0) * 3 + k]);
        }
    }

    [Fact]
    public void ZeroLengthKeepsTheInitialStateAndPassesItsGradientThrough()
    {
        var s = new GruShape(2, 3, 2, 3);
        var d = new Data(s, 5);
        var run = new Run(s, d, d.X, d.H0, [0, 3]);
        for (int step = 0; step < 3; step++)
        {
            for (int j = 0; j < 3; j++)
                Assert.Equal(d.H0[j], run.Hidden[(step * 2) * 3 + j]);
        }
        // h_t = h0 at every step of sequence 0, so dH0 is the sum of its upstream gradients.
        for (int j = 0; j < 3; j++)
        {
            double sum = 0;
            for (int step = 0; step < 3; step++)
                sum += d.Up[(step * 2) * 3 + j];
            Assert.Equal(sum, run.DH0[j], 5);
        }
    }

    [Fact]
    public void BackwardAccumulatesWeightGradientsAndOverwritesTheRest()
    {
        var s = new GruShape(3, 4, 2, 5);
        var d = new Data(s, 21);
        var run = new Run(s, d, d.X, d.H0, [4, 2, 3]);
        var workspace = new float[GruLayer.BackwardWorkspaceSize(s)];
        float[] dX = (float[])run.DX.Clone(), dWIh = (float[])run.DWIh.Clone(), dWHh = (float[])run.DWHh.Clone();
        float[] dBIh = (float[])run.DBIh.Clone(), dBHh = (float[])run.DBHh.Clone(), dH0 = (float[])run.DH0.Clone();
        GruLayer.Backward(s, d.X, d.WIh, d.WHh, d.H0, [4, 2, 3], run.Hidden, run.Cache, d.Up, dX, dWIh, dWHh, dBIh, dBHh, dH0, workspace);
        Tolerance.AssertClose(run.DWIh.Select(v => 2f * v).ToArray(), dWIh, 1e-6, 1e-7, "dWih");
        Tolerance.AssertClose(run.DWHh.Select(v => 2f * v).ToArray(), dWHh, 1e-6, 1e-7, "dWhh");
        Tolerance.AssertClose(run.DBIh.Select(v => 2f * v).ToArray(), dBIh, 1e-6, 1e-7, "dBih");
        Tolerance.AssertClose(run.DBHh.Select(v => 2f * v).ToArray(), dBHh, 1e-6, 1e-7, "dBhh");
        Assert.Equal(run.DX, dX);
        Assert.Equal(run.DH0, dH0);
    }

    [Fact]
    public void RowsSplitAcrossThreadsMatchOneThreadAndRepeatExactly()
    {
        // Big enough (T N 3H (H + 8) >= 2e6) for the recurrence to split the batch across threads.
        var s = new GruShape(16, 24, 5, 40);
        var d = new Data(s, 99);
        int[] lengths = Enumerable.Range(0, 16).Select(b => 24 - b).ToArray();
        int saved = KernelSettings.ThreadCount;
        Run single, split, again;
        try
        {
            KernelSettings.ThreadCount = 1;
            single = new Run(s, d, d.X, d.H0, lengths);
            KernelSettings.ThreadCount = 2;
            split = new Run(s, d, d.X, d.H0, lengths);
            again = new Run(s, d, d.X, d.H0, lengths);
        }
        finally
        {
            KernelSettings.ThreadCount = saved;
        }
        double[] expected = ReferenceGru.Forward(s, Arrays.ToDouble(d.X), Arrays.ToDouble(d.WIh), Arrays.ToDouble(d.WHh),
            Arrays.ToDouble(d.BIh), Arrays.ToDouble(d.BHh), Arrays.ToDouble(d.H0), lengths);
        Tolerance.AssertClose(expected, split.Hidden, 1e-4, 1e-5, "h");
        Tolerance.AssertClose(single.Hidden, split.Hidden, 1e-5, 1e-6, "h vs one thread");
        Tolerance.AssertClose(single.DX, split.DX, 1e-4, 1e-5, "dX vs one thread");
        Tolerance.AssertClose(single.DWIh, split.DWIh, 1e-4, 1e-5, "dWih vs one thread");
        Tolerance.AssertClose(single.DWHh, split.DWHh, 1e-4, 1e-5, "dWhh vs one thread");
        Tolerance.AssertClose(single.DBIh, split.DBIh, 1e-4, 1e-5, "dBih vs one thread");
        Tolerance.AssertClose(single.DBHh, split.DBHh, 1e-4, 1e-5, "dBhh vs one thread");
        Tolerance.AssertClose(single.DH0, split.DH0, 1e-4, 1e-5, "dH0 vs one thread");
        Assert.Equal(split.Hidden, again.Hidden);
        Assert.Equal(split.Cache, again.Cache);
        Assert.Equal(split.DX, again.DX);
        Assert.Equal(split.DWIh, again.DWIh);
        Assert.Equal(split.DWHh, again.DWHh);
        Assert.Equal(split.DBIh, again.DBIh);
        Assert.Equal(split.DBHh, again.DBHh);
        Assert.Equal(split.DH0, again.DH0);
    }

    [Fact]
    public void WrongForwardArgumentsNameTheArgument()
    {
        var s = new GruShape(1, 2, 3, 4); // F = 3, H = 4, 3H = 12
        void Forward(GruShape shape, int input = 6, int wIh = 36, int wHh = 48, int bIh = 12, int bHh = 12, int h0 = 0,
            int[]? lengths = null, int hidden = 8, int cache = 32, int workspace = 200) =>
            GruLayer.Forward(shape, new float[input], new float[wIh], new float[wHh], new float[bIh], new float[bHh], new float[h0],
                lengths ?? [], new float[hidden], new float[cache], new float[workspace]);
        Forward(s); // the defaults are valid
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => Forward(s with { HiddenSize = 0 })).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => Forward(s, input: 5)).ParamName);
        Assert.Equal("inputWeights", Assert.Throws<ArgumentException>(() => Forward(s, wIh: 48)).ParamName);
        Assert.Equal("recurrentWeights", Assert.Throws<ArgumentException>(() => Forward(s, wHh: 64)).ParamName);
        Assert.Equal("inputBias", Assert.Throws<ArgumentException>(() => Forward(s, bIh: 16)).ParamName);
        Assert.Equal("recurrentBias", Assert.Throws<ArgumentException>(() => Forward(s, bHh: 11)).ParamName);
        Assert.Equal("initialHidden", Assert.Throws<ArgumentException>(() => Forward(s, h0: 3)).ParamName);
        Assert.Equal("lengths", Assert.Throws<ArgumentException>(() => Forward(s, lengths: [1, 1])).ParamName);
        Assert.Equal("lengths", Assert.Throws<ArgumentOutOfRangeException>(() => Forward(s, lengths: [3])).ParamName);
        Assert.Equal("hidden", Assert.Throws<ArgumentException>(() => Forward(s, hidden: 4)).ParamName);
        Assert.Equal("cache", Assert.Throws<ArgumentException>(() => Forward(s, cache: 24)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => Forward(s, workspace: GruLayer.ForwardWorkspaceSize(s) - 1)).ParamName);
    }

    [Fact]
    public void WrongBackwardArgumentsNameTheArgument()
    {
        var s = new GruShape(1, 2, 3, 4);
        void Backward(int dHidden = 8, int dInput = 6, int dWIh = 36, int dWHh = 48, int dBIh = 12, int dBHh = 12, int dH0 = 4,
            int workspace = 500, int cache = 32) =>
            GruLayer.Backward(s, new float[6], new float[36], new float[48], [], [], new float[8], new float[cache], new float[dHidden],
                new float[dInput], new float[dWIh], new float[dWHh], new float[dBIh], new float[dBHh], new float[dH0], new float[workspace]);
        Backward(); // the defaults are valid
        Backward(dInput: 0, dH0: 0); // both may be skipped
        Assert.Equal("cache", Assert.Throws<ArgumentException>(() => Backward(cache: 31)).ParamName);
        Assert.Equal("dHidden", Assert.Throws<ArgumentException>(() => Backward(dHidden: 7)).ParamName);
        Assert.Equal("dInput", Assert.Throws<ArgumentException>(() => Backward(dInput: 5)).ParamName);
        Assert.Equal("dInputWeights", Assert.Throws<ArgumentException>(() => Backward(dWIh: 35)).ParamName);
        Assert.Equal("dRecurrentWeights", Assert.Throws<ArgumentException>(() => Backward(dWHh: 36)).ParamName);
        Assert.Equal("dInputBias", Assert.Throws<ArgumentException>(() => Backward(dBIh: 16)).ParamName);
        Assert.Equal("dRecurrentBias", Assert.Throws<ArgumentException>(() => Backward(dBHh: 4)).ParamName);
        Assert.Equal("dInitialHidden", Assert.Throws<ArgumentException>(() => Backward(dH0: 8)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => Backward(workspace: GruLayer.BackwardWorkspaceSize(s) - 1)).ParamName);
    }
}
