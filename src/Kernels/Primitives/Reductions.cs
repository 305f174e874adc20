using System.Runtime.Intrinsics;

namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>Vectorized sums that batch norm and the loss functions need; lanes accumulate in float, the total in double.</summary>
internal static class Reductions
{
    /// <summary>Sum of x.</summary>
    public static double Sum(ReadOnlySpan<float> x) => Run<SumOf>(x, x, 0f);

    /// <summary>Sum of (x - mean)^2.</summary>
    public static double SumOfSquaredDeviations(ReadOnlySpan<float> x, float mean) => Run<SquaredDeviation>(x, x, mean);

    /// <summary>Sum of y * (x - mean).</summary>
    public static double SumOfProductsCentered(ReadOnlySpan<float> y, ReadOnlySpan<float> x, float mean) => Run<CenteredProduct>(y, x, mean);

    private static double Run<TTerm>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float p) where TTerm : IBinaryOperator =>
        KernelSettings.EffectiveVectorWidth switch
        {
            VectorWidth.Bits512 => Core<TTerm, Simd512, Vector512<float>>(x, y, p),
            VectorWidth.Bits256 => Core<TTerm, Simd256, Vector256<float>>(x, y, p),
            VectorWidth.Bits128 => Core<TTerm, Simd128, Vector128<float>>(x, y, p),
            _ => Core<TTerm, SimdScalar, float>(x, y, p),
        };

    private static unsafe double Core<TTerm, TOps, TVector>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float p)
        where TTerm : IBinaryOperator
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, i = 0, length = x.Length;
        TVector acc = TOps.Zero, vp = TOps.Broadcast(p);
        var lanes = stackalloc float[64];
        double total = 0;
        fixed (float* px = x, py = y)
        {
            for (; i <= length - w; i += w)
                acc = TOps.Add(acc, TTerm.Invoke<TOps, TVector>(TOps.Load(px + i), TOps.Load(py + i), vp, vp));
            TOps.Store(acc, lanes);
            for (int l = 0; l < w; l++)
                total += lanes[l];
            for (; i < length; i++)
                total += TTerm.Invoke<SimdScalar, float>(px[i], py[i], p, p);
        }
        return total;
    }

    private readonly struct SumOf : IBinaryOperator
    {
        public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct => x;
    }

    private readonly struct SquaredDeviation : IBinaryOperator
    {
        public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        {
            TVector d = TOps.Subtract(x, p);
            return TOps.Multiply(d, d);
        }
    }

    private readonly struct CenteredProduct : IBinaryOperator
    {
        public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
            => TOps.Multiply(x, TOps.Subtract(y, p));
    }
}
