using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Layers;

/// <summary>One channel's rows in an (N, C, S) tensor: row b starts at First + b * Stride and holds Length floats.</summary>
internal readonly record struct ChannelRows(long First, long Stride, int Count, int Length);

/// <summary>
/// The row passes of <see cref="BatchNorm"/> over one channel, for one SIMD width. Sums run over vector accumulators per
/// row, whose lanes are added in one fixed tree and then to a double once per row, in row order, so they do not depend
/// on the run. Each pass is compiled optimized at its first call (tier-0 code of the generic SIMD calls was seen in the
/// first epoch).
/// </summary>
internal static unsafe class BatchNormRows<TOps, TVector>
    where TOps : ISimd<TVector>
    where TVector : struct
{
    /// <summary>The sum over the channel of x, or of (x - mean)^2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(in ChannelRows rows, float* x, float mean, bool squaredDeviation)
    {
        int w = TOps.Count, n = rows.Length;
        TVector vm = TOps.Broadcast(mean);
        double total = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            float* p = x + rows.First + r * rows.Stride;
            TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            int i = 0;
            for (; i <= n - 4 * w; i += 4 * w)
            {
                a0 = TOps.Add(a0, Term(TOps.Load(p + i), vm, squaredDeviation));
                a1 = TOps.Add(a1, Term(TOps.Load(p + i + w), vm, squaredDeviation));
                a2 = TOps.Add(a2, Term(TOps.Load(p + i + 2 * w), vm, squaredDeviation));
                a3 = TOps.Add(a3, Term(TOps.Load(p + i + 3 * w), vm, squaredDeviation));
            }
            for (; i <= n - w; i += w)
                a0 = TOps.Add(a0, Term(TOps.Load(p + i), vm, squaredDeviation));
            // One fixed tree over the lanes: adding them one by one into a double was a chain longer than a 196-float row.
            double row = TOps.HorizontalSum(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)));
            for (; i < n; i++)
                row += squaredDeviation ? (p[i] - mean) * (p[i] - mean) : p[i];
            total += row;
        }
        return total;
    }

    /// <summary>(sum of dy, sum of dy (x - mean) invStd) over the channel, in one pass over both tensors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double SumDy, double SumDyXhat) GradientSums(in ChannelRows rows, float* dy, float* x, float mean, float invStd)
    {
        int w = TOps.Count, n = rows.Length;
        TVector vm = TOps.Broadcast(mean);
        double sumDy = 0, sumDyXhat = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            long o = rows.First + r * rows.Stride;
            float* pdy = dy + o, px = x + o;
            TVector s0 = TOps.Zero, s1 = TOps.Zero, c0 = TOps.Zero, c1 = TOps.Zero;
            int i = 0;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                TVector y0 = TOps.Load(pdy + i), y1 = TOps.Load(pdy + i + w);
                s0 = TOps.Add(s0, y0);
                s1 = TOps.Add(s1, y1);
                c0 = TOps.Add(c0, TOps.Multiply(y0, TOps.Subtract(TOps.Load(px + i), vm)));
                c1 = TOps.Add(c1, TOps.Multiply(y1, TOps.Subtract(TOps.Load(px + i + w), vm)));
            }
            for (; i <= n - w; i += w)
            {
                TVector y0 = TOps.Load(pdy + i);
                s0 = TOps.Add(s0, y0);
                c0 = TOps.Add(c0, TOps.Multiply(y0, TOps.Subtract(TOps.Load(px + i), vm)));
            }
            double rowDy = TOps.HorizontalSum(TOps.Add(s0, s1)), rowCentered = TOps.HorizontalSum(TOps.Add(c0, c1));
            for (; i < n; i++)
            {
                rowDy += pdy[i];
                rowCentered += pdy[i] * (px[i] - mean);
            }
            sumDy += rowDy;
            sumDyXhat += rowCentered * invStd;
        }
        return (sumDy, sumDyXhat);
    }

    /// <summary>
    /// (sum of d, sum of d (winner - mean) invStd) over the channel's pooled rows, where d is dPooled + 0, or 0 where the
    /// rectified pooled output is not positive (when <paramref name="gateOrNull"/> is given); d is also stored to
    /// <paramref name="gated"/>. Only a window's winner carries gradient, so these are the sums over the full map.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double SumDy, double SumDyXhat) GatedGradientSums(in ChannelRows rows, float* dPooled, float* gateOrNull, float* winners,
        float mean, float invStd, float* gated)
    {
        int w = TOps.Count, n = rows.Length;
        TVector vm = TOps.Broadcast(mean);
        double sumDy = 0, sumDyXhat = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            long o = rows.First + r * rows.Stride;
            float* pd = dPooled + o, pw = winners + o, pg = gated + o, gate = gateOrNull == null ? null : gateOrNull + o;
            TVector s0 = TOps.Zero, c0 = TOps.Zero;
            int i = 0;
            for (; i <= n - w; i += w)
            {
                // + 0 turns a -0 gradient into +0, as the pool's backward does.
                TVector d = TOps.Add(TOps.Load(pd + i), TOps.Zero);
                if (gate != null)
                    d = TOps.SelectPositive(TOps.Load(gate + i), d, TOps.Zero);
                TOps.Store(d, pg + i);
                s0 = TOps.Add(s0, d);
                c0 = TOps.Add(c0, TOps.Multiply(d, TOps.Subtract(TOps.Load(pw + i), vm)));
            }
            // A pooled row is short (49 floats at 7x7): adding the lanes one by one into a double would cost more than the row.
            double rowDy = TOps.HorizontalSum(s0), rowCentered = TOps.HorizontalSum(c0);
            for (; i < n; i++)
            {
                float d = gate == null || gate[i] > 0f ? pd[i] + 0f : 0f;
                pg[i] = d;
                rowDy += d;
                rowCentered += d * (pw[i] - mean);
            }
            sumDy += rowDy;
            sumDyXhat += rowCentered * invStd;
        }
        return (sumDy, sumDyXhat);
    }

    /// <summary>dx := k dy + (a x + bias) over the channel, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(in ChannelRows rows, float* dy, float* x, float* dx, float k, float a, float bias)
    {
        int w = TOps.Count, n = rows.Length;
        TVector vk = TOps.Broadcast(k), va = TOps.Broadcast(a), vb = TOps.Broadcast(bias);
        for (int r = 0; r < rows.Count; r++)
        {
            long o = rows.First + r * rows.Stride;
            float* pdy = dy + o, px = x + o, pdx = dx + o;
            int i = 0;
            for (; i <= n - w; i += w)
                TOps.Store(TOps.MultiplyAdd(TOps.Load(pdy + i), vk, TOps.MultiplyAdd(TOps.Load(px + i), va, vb)), pdx + i);
            for (; i < n; i++)
                pdx[i] = SimdScalar.MultiplyAdd(pdy[i], k, SimdScalar.MultiplyAdd(px[i], a, bias));
        }
    }

    /// <summary>y := scale x + shift over the channel, then max(0, .) when <paramref name="relu"/> (a following ReLU in the same pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine(in ChannelRows rows, float* x, float* y, float scale, float shift, bool relu)
    {
        int w = TOps.Count, n = rows.Length;
        TVector vs = TOps.Broadcast(scale), vt = TOps.Broadcast(shift);
        for (int r = 0; r < rows.Count; r++)
        {
            long o = rows.First + r * rows.Stride;
            float* px = x + o, py = y + o;
            int i = 0;
            for (; i <= n - w; i += w)
            {
                TVector v = TOps.MultiplyAdd(TOps.Load(px + i), vs, vt);
                TOps.Store(relu ? TOps.Max(v, TOps.Zero) : v, py + i);
            }
            for (; i < n; i++)
            {
                float v = SimdScalar.MultiplyAdd(px[i], scale, shift);
                py[i] = relu ? SimdScalar.Max(v, 0f) : v;
            }
        }
    }

    /// <summary>
    /// The pooled planes of <see cref="BatchNorm.AffineMaxPool2x2"/>: the row pairs of each (H, W) plane are normalized
    /// into a stack buffer a few kilobytes at a time, then pooled from it. Per row pair, the call and the scalar tail of a
    /// 2W-float row cost more than the arithmetic (W = 14 leaves 12 of 28 floats to the scalar loop at 16 lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AffineMaxPool2x2(in BatchNormShape shape, in Pooling.Pool2dShape pool, float* x, ReadOnlySpan<float> scale,
        ReadOnlySpan<float> shift, bool relu, float* pooled, int* argmax, float* winnersOrNull)
    {
        int w = pool.Width, oh = pool.OutHeight, ow = pool.OutWidth, c = shape.Channels;
        int pairsPerChunk = Math.Max(1, ChunkFloats / (2 * w));
        float* buffer = stackalloc float[Math.Min(pairsPerChunk, oh) * 2 * w];
        for (int p = 0; p < shape.Batch * c; p++)
        {
            int ch = p % c;
            float* plane = x + (long)p * shape.Spatial;
            float* o = pooled + (long)p * oh * ow;
            int* arg = argmax + (long)p * oh * ow;
            for (int y0 = 0; y0 < oh; y0 += pairsPerChunk)
            {
                int pairs = Math.Min(pairsPerChunk, oh - y0), rowStart = 2 * y0 * w;
                AffineOutOfPlace(plane + rowStart, buffer, pairs * 2 * w, scale[ch], shift[ch], relu);
                // The row kernel reads image + rowStart: the buffer stands in for these rows of the plane.
                for (int y = y0; y < y0 + pairs; y++)
                {
                    Pooling.MaxPool2x2.Row(buffer - rowStart, 2 * y * w, w, ow, o + y * ow, arg + y * ow, winnersOrNull == null ? null : plane,
                        winnersOrNull == null ? null : winnersOrNull + (long)p * oh * ow + y * ow);
                }
            }
        }
    }

    // Floats of one plane normalized at a time before pooling: a few kilobytes stay in L1 between the two steps.
    private const int ChunkFloats = 2048;

    // y := scale x + shift (rectified) over n floats, y not overlapping x, so a partial last vector is redone over the
    // previous one's end: same values in the same places, and no scalar tail.
    private static void AffineOutOfPlace(float* x, float* y, int n, float scale, float shift, bool relu)
    {
        int w = TOps.Count;
        TVector vs = TOps.Broadcast(scale), vt = TOps.Broadcast(shift);
        int i = 0;
        for (; i <= n - w; i += w)
        {
            TVector v = TOps.MultiplyAdd(TOps.Load(x + i), vs, vt);
            TOps.Store(relu ? TOps.Max(v, TOps.Zero) : v, y + i);
        }
        if (i < n && n >= w)
        {
            TVector v = TOps.MultiplyAdd(TOps.Load(x + n - w), vs, vt);
            TOps.Store(relu ? TOps.Max(v, TOps.Zero) : v, y + n - w);
            return;
        }
        for (; i < n; i++)
        {
            float v = SimdScalar.MultiplyAdd(x[i], scale, shift);
            y[i] = relu ? SimdScalar.Max(v, 0f) : v;
        }
    }

    private static TVector Term(TVector x, TVector mean, bool squaredDeviation)
    {
        if (!squaredDeviation)
            return x;
        TVector d = TOps.Subtract(x, mean);
        return TOps.Multiply(d, d);
    }
}
