using System.Runtime.Intrinsics;

namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>Vectorized sums that batch norm and the loss functions need; lanes accumulate in float, the total in double.</summary>
internal static class Reductions
{
    /// <summary>Sum of x.</summary>
    public static double Sum(ReadOnlySpan<float> x) => Run<SumOf>(x, x, 0f);

    /// <summary>Sum of (x - mean)^2.</summary>
    public static double SumOfSquaredDeviations(ReadOnlySpan<float> x, float mean) => Run<SquaredDeviation>(x, x, mean);

    /// <summary>(sum of y, sum of y (x - mean)) in one pass over both rows, as a batch-norm backward pass needs.</summary>
    public static (double Sum, double CenteredProduct) SumAndCenteredProduct(ReadOnlySpan<float> y, ReadOnlySpan<float> x, float mean) =>
        KernelSettings.EffectiveVectorWidth switch
        {
            VectorWidth.Bits512 => SumAndCenteredProduct<Simd512, Vector512<float>>(y, x, mean),
            VectorWidth.Bits256 => SumAndCenteredProduct<Simd256, Vector256<float>>(y, x, mean),
            VectorWidth.Bits128 => SumAndCenteredProduct<Simd128, Vector128<float>>(y, x, mean),
            _ => SumAndCenteredProduct<SimdScalar, float>(y, x, mean),
        };

    private static unsafe (double, double) SumAndCenteredProduct<TOps, TVector>(ReadOnlySpan<float> y, ReadOnlySpan<float> x, float mean)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, i = 0, length = y.Length;
        TVector s0 = TOps.Zero, s1 = TOps.Zero, p0 = TOps.Zero, p1 = TOps.Zero, vm = TOps.Broadcast(mean);
        var lanes = stackalloc float[128];
        double sum = 0, product = 0;
        fixed (float* py = y, px = x)
        {
            for (; i <= length - 2 * w; i += 2 * w)
            {
                TVector y0 = TOps.Load(py + i), y1 = TOps.Load(py + i + w);
                s0 = TOps.Add(s0, y0);
                s1 = TOps.Add(s1, y1);
                p0 = TOps.Add(p0, TOps.Multiply(y0, TOps.Subtract(TOps.Load(px + i), vm)));
                p1 = TOps.Add(p1, TOps.Multiply(y1, TOps.Subtract(TOps.Load(px + i + w), vm)));
            }
            for (; i <= length - w; i += w)
            {
                TVector y0 = TOps.Load(py + i);
                s0 = TOps.Add(s0, y0);
                p0 = TOps.Add(p0, TOps.Multiply(y0, TOps.Subtract(TOps.Load(px + i), vm)));
            }
            TOps.Store(TOps.Add(s0, s1), lanes);
            TOps.Store(TOps.Add(p0, p1), lanes + 64);
            for (int l = 0; l < w; l++)
            {
                sum += lanes[l];
                product += lanes[64 + l];
            }
            for (; i < length; i++)
            {
                sum += py[i];
                product += py[i] * (px[i] - mean);
            }
        }
        return (sum, product);
    }

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
        // Four accumulators: one would wait on its own add every vector (a batch-norm channel row of 784 floats is
        // 49 such adds); the order of the terms is fixed, so the sum is the same on every run.
        TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, vp = TOps.Broadcast(p);
        var lanes = stackalloc float[64];
        double total = 0;
        fixed (float* px = x, py = y)
        {
            for (; i <= length - 4 * w; i += 4 * w)
            {
                a0 = TOps.Add(a0, TTerm.Invoke<TOps, TVector>(TOps.Load(px + i), TOps.Load(py + i), vp, vp));
                a1 = TOps.Add(a1, TTerm.Invoke<TOps, TVector>(TOps.Load(px + i + w), TOps.Load(py + i + w), vp, vp));
                a2 = TOps.Add(a2, TTerm.Invoke<TOps, TVector>(TOps.Load(px + i + 2 * w), TOps.Load(py + i + 2 * w), vp, vp));
                a3 = TOps.Add(a3, TTerm.Invoke<TOps, TVector>(TOps.Load(px + i + 3 * w), TOps.Load(py + i + 3 * w), vp, vp));
            }
            for (; i <= length - w; i += w)
                a0 = TOps.Add(a0, TTerm.Invoke<TOps, TVector>(TOps.Load(px + i), TOps.Load(py + i), vp, vp));
            TOps.Store(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), lanes);
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
}
