using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Layers;

public class DenseTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    private static double[] Reference(int n, int inF, int outF, double[] x, double[] w, double[] b)
    {
        var y = new double[n * outF];
        for (int i = 0; i < n; i++)
        for (int o = 0; o < outF; o++)
        {
            double sum = b[o];
            for (int k = 0; k < inF; k++)
                sum += x[i * inF + k] * w[o * inF + k];
            y[i * outF + o] = sum;
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ForwardAndBackwardMatchReference(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        foreach ((int n, int inF, int outF) in new[] { (1, 1, 1), (3, 7, 5), (4, 33, 17), (2, 40, 3) })
        {
            float[] x = RandomData.Uniform(n * inF, 1), w = RandomData.Uniform(outF * inF, 2), b = RandomData.Uniform(outF, 3), up = RandomData.Uniform(n * outF, 4);
            var y = new float[n * outF];
            Dense.Forward(n, inF, outF, x, w, b, y);
            double[] xd = Arrays.ToDouble(x), wd = Arrays.ToDouble(w), bd = Arrays.ToDouble(b);
            Tolerance.AssertClose(Reference(n, inF, outF, xd, wd, bd), y, 1e-5, 1e-5);
            var dx = new float[n * inF];
            var dw = new float[outF * inF];
            var db = new float[outF];
            Dense.Backward(n, inF, outF, x, w, up, dx, dw, db);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(Reference(n, inF, outF, v, wd, bd), up), xd), dx, 1e-4, 1e-5, "dx");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(Reference(n, inF, outF, xd, v, bd), up), wd), dw, 1e-4, 1e-5, "dw");
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(Reference(n, inF, outF, xd, wd, v), up), bd), db, 1e-4, 1e-5, "db");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void PackedWeightsAndSplitWeightGradientGiveTheUnpackedFloats(VectorWidth width)
    {
        // A network's dense 3136 -> 128 and its output layer, a tail column panel, and a two-unit layer (the small-row kernel).
        using var scope = new VectorWidthScope(width);
        using var threads = new MLNet.Extensions.Kernels.Threading.KernelThreadScope(1);
        foreach ((int n, int inF, int outF) in new[] { (16, 3136, 128), (64, 128, 10), (5, 100, 33), (3, 40, 2) })
        {
            float[] x = RandomData.Uniform(n * inF, 11), w = RandomData.Uniform(outF * inF, 12), b = RandomData.Uniform(outF, 13),
                up = RandomData.Uniform(n * outF, 14), start = RandomData.Uniform(outF * inF, 15);
            var y = new float[n * outF];
            var dx = new float[n * inF];
            float[] dw = (float[])start.Clone();
            Dense.Forward(n, inF, outF, x, w, b, y);
            Dense.Backward(n, inF, outF, x, w, up, dx, dw, Span<float>.Empty);

            var packed = new float[Dense.PackedWeightsSize(inF, outF, backward: true)];
            for (int part = 0; part < 3; part++)
                Dense.PackWeightsShare(inF, outF, w, packed, backward: true, part, 3);
            var yPacked = new float[n * outF];
            var dxPacked = new float[n * inF];
            Dense.ForwardPacked(n, inF, outF, x, packed, b, yPacked);
            Dense.InputGradientPacked(n, inF, outF, up, packed, dxPacked);
            Assert.True(y.AsSpan().SequenceEqual(yPacked), $"y {n}x{inF}x{outF}");
            Assert.True(dx.AsSpan().SequenceEqual(dxPacked), $"dx {n}x{inF}x{outF}");
            foreach (int parts in new[] { 1, 2, 3, 5 })
            {
                float[] dwSplit = (float[])start.Clone();
                for (int part = parts - 1; part >= 0; part--)
                    Dense.WeightGradientShare(n, inF, outF, x, up, dwSplit, part, parts);
                Assert.True(dw.AsSpan().SequenceEqual(dwSplit), $"dW {n}x{inF}x{outF} in {parts} parts");
            }
        }
    }
}
