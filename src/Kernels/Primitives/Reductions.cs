using System.Runtime.Intrinsics;

namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>Vectorized sums that batch norm and the loss functions need; lanes accumulate in float, the total in double.</summary>
internal static class Reductions
{
    /// <summary>Sum of x.</summary>
    public static double Sum(ReadOnlySpan<float> x) => Run<SumOf>(x, x, 0f);

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
}
