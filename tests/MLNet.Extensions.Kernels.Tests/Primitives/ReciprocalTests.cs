using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Primitives;

/// <summary>The refined reciprocal estimate behind the gate functions' denominators.</summary>
public class ReciprocalTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    [Theory]
    [MemberData(nameof(Widths))]
    public void IsWithinTwoUlpOfTheQuotientFromOneToTheLargestDenominator(VectorWidth width)
    {
        // 1 + exp(-x) spans [1, 1 + e^87.3]; mantissas dense near 1 and 2, where an estimate table's ends lie.
        var values = new List<float> { 1f, 1.0000001f, 1.5f, 2f, 1.9999999f, 3f, 1e10f, 8.6e37f, float.MaxValue / 2 };
        for (int i = 0; i < 4096; i++)
            values.Add(1f + i / 4096f);
        for (int i = 0; i < 1024; i++)
            values.Add(MathF.Pow(10f, i * 37f / 1024));
        while (values.Count % 16 != 0)
            values.Add(1f);
        float[] x = [.. values];
        var result = new float[x.Length];
        switch (width)
        {
            case VectorWidth.Bits512: Run<Simd512, Vector512<float>>(x, result); break;
            case VectorWidth.Bits256: Run<Simd256, Vector256<float>>(x, result); break;
            case VectorWidth.Bits128: Run<Simd128, Vector128<float>>(x, result); break;
            default: Run<SimdScalar, float>(x, result); break;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double expected = 1.0 / x[i];
            // 2 ulp of a float is 2^-22 relative at worst; results below the normal range may flush to zero.
            bool subnormal = expected < 1.1754943508222875e-38;
            Assert.True(subnormal ? Math.Abs(result[i] - expected) <= 1.2e-38 : Math.Abs(result[i] - expected) <= 2.4e-7 * expected,
                $"1 / {x[i]:R} = {result[i]:R}, expected {expected:R}");
        }
    }

    private static unsafe void Run<TOps, TVector>(float[] x, float[] result) where TOps : ISimd<TVector> where TVector : struct
    {
        fixed (float* px = x, pr = result)
        {
            for (int i = 0; i < x.Length; i += TOps.Count)
                TOps.Store(TOps.Reciprocal(TOps.Load(px + i)), pr + i);
        }
    }
}
