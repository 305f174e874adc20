using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Recurrent;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Recurrent;

public class GateFunctionsTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    // Inputs from deep saturation to the clamp limits and past them, dense around 0 where the gates live.
    private static float[] Inputs()
    {
        var values = new List<float> { -1000f, -100f, -88f, -87.3f, -50f, 50f, 88f, 88.3f, 100f, 1000f, 0f, -0f };
        for (int i = -4000; i <= 4000; i++)
            values.Add(i * 0.0037f);
        while (values.Count % 16 != 0)
            values.Add(1f);
        return [.. values];
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatchDoublePrecisionOnEveryWidth(VectorWidth width)
    {
        float[] x = Inputs();
        (float[] exp, float[] sigmoid, float[] tanh) = Evaluate(width, x);
        for (int i = 0; i < x.Length; i++)
        {
            // Vector lanes clamp to [-87.3, 88.3]; scalar lanes are MathF.Exp, which over- and underflows instead.
            bool inRange = x[i] >= -87.3f && x[i] <= 88.3f;
            if (inRange || width != VectorWidth.Scalar)
            {
                double e = Math.Exp(Math.Clamp(x[i], -87.3f, 88.3f));
                Assert.True(Math.Abs(exp[i] - e) <= 5e-7 * e, $"exp({x[i]}) = {exp[i]}, expected {e}");
            }
            double s = 1 / (1 + Math.Exp(-(double)x[i]));
            Assert.True(Math.Abs(sigmoid[i] - s) <= 5e-7, $"sigmoid({x[i]}) = {sigmoid[i]}, expected {s}");
            Assert.True(Math.Abs(tanh[i] - Math.Tanh(x[i])) <= 5e-7, $"tanh({x[i]}) = {tanh[i]}, expected {Math.Tanh(x[i])}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void NaNStaysNaNOnEveryWidth(VectorWidth width)
    {
        // A diverged weight must show in the scores, not turn into a saturated gate at the clamp's edge.
        float[] x = Enumerable.Range(0, 64).Select(i => i % 3 == 0 ? float.NaN : i * 0.1f).ToArray();
        (float[] exp, float[] sigmoid, float[] tanh) = Evaluate(width, x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(float.IsNaN(x[i]), float.IsNaN(exp[i]));
            Assert.Equal(float.IsNaN(x[i]), float.IsNaN(sigmoid[i]));
            Assert.Equal(float.IsNaN(x[i]), float.IsNaN(tanh[i]));
        }
    }

    /// <summary>exp, sigmoid and tanh of every input on the given width's path.</summary>
    private static (float[] Exp, float[] Sigmoid, float[] Tanh) Evaluate(VectorWidth width, float[] x)
    {
        var exp = new float[x.Length];
        var sigmoid = new float[x.Length];
        var tanh = new float[x.Length];
        switch (width)
        {
            case VectorWidth.Bits512: Run<Simd512, Vector512<float>>(x, exp, sigmoid, tanh); break;
            case VectorWidth.Bits256: Run<Simd256, Vector256<float>>(x, exp, sigmoid, tanh); break;
            case VectorWidth.Bits128: Run<Simd128, Vector128<float>>(x, exp, sigmoid, tanh); break;
            default: Run<SimdScalar, float>(x, exp, sigmoid, tanh); break;
        }
        return (exp, sigmoid, tanh);
    }

    private static unsafe void Run<TOps, TVector>(float[] x, float[] exp, float[] sigmoid, float[] tanh)
        where TOps : ISimd<TVector> where TVector : struct
    {
        fixed (float* px = x, pe = exp, ps = sigmoid, pt = tanh)
        {
            for (int i = 0; i < x.Length; i += TOps.Count)
            {
                TVector v = TOps.Load(px + i);
                TOps.Store(GateFunctions.Exp<TOps, TVector>(v), pe + i);
                TOps.Store(GateFunctions.Sigmoid<TOps, TVector>(v), ps + i);
                TOps.Store(GateFunctions.Tanh<TOps, TVector>(v), pt + i);
            }
        }
    }
}
