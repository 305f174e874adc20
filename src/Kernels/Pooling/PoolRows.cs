using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>
/// The vector loops every pooling kernel shares. Channels-last rows are reduced lane by lane across channels (a register
/// holds Count channels of one step); channels-first planes across positions. Winner indices ride along as floats in a
/// register, exact below <see cref="MaxCount"/>. A winner must be strictly greater (v - best &gt; 0, which for floats is
/// v &gt; best, infinities included), so ties keep the earliest position, as the scalar loops in MaxPool2d do.
/// </summary>
internal static unsafe class PoolRows
{
    /// <summary>Positions one max reduction may span: float lanes count them exactly up to 2^24.</summary>
    public const int MaxCount = 1 << 24;

    /// <summary>The width kernels run at, for the switch each public entry point makes once.</summary>
    public static VectorWidth Width => KernelSettings.EffectiveVectorWidth;

    /// <summary>best[c] := max over j &lt; count of rows[j*stride + c] and at[c] := firstIndex + the first j that attains it; count &gt;= 1.</summary>
    public static void Max<TOps, TVector>(float* rows, int stride, int count, int channels, float* best, int* at, int firstIndex)
        where TOps : ISimd<TVector> where TVector : struct
    {
        float* lanes = stackalloc float[Vector512<float>.Count];
        int c = 0;
        for (; c <= channels - TOps.Count; c += TOps.Count)
            MaxLanes<TOps, TVector>(rows + c, stride, count, best + c, at + c, firstIndex, lanes);
        for (; c < channels; c++)
            MaxLanes<SimdScalar, float>(rows + c, stride, count, best + c, at + c, firstIndex, lanes);
    }

    private static void MaxLanes<TOps, TVector>(float* column, int stride, int count, float* best, int* at, int firstIndex, float* lanes)
        where TOps : ISimd<TVector> where TVector : struct
    {
        TVector value = TOps.Load(column), index = TOps.Zero;
        for (int j = 1; j < count; j++)
        {
            TVector v = TOps.Load(column + (long)j * stride), gain = TOps.Subtract(v, value);
            value = TOps.SelectPositive(gain, v, value);
            index = TOps.SelectPositive(gain, TOps.Broadcast(j), index);
        }
        TOps.Store(value, best);
        TOps.Store(index, lanes);
        for (int l = 0; l < TOps.Count; l++)
            at[l] = firstIndex + (int)lanes[l];
    }

    /// <summary>y[c] := scale * sum over j &lt; count of rows[j*stride + c]; zeros when count is 0.</summary>
    public static void Sum<TOps, TVector>(float* rows, int stride, int count, int channels, float scale, float* y)
        where TOps : ISimd<TVector> where TVector : struct
    {
        int c = 0;
        for (; c <= channels - TOps.Count; c += TOps.Count)
            SumLanes<TOps, TVector>(rows + c, stride, count, scale, y + c);
        for (; c < channels; c++)
            SumLanes<SimdScalar, float>(rows + c, stride, count, scale, y + c);
    }

    private static void SumLanes<TOps, TVector>(float* column, int stride, int count, float scale, float* y)
        where TOps : ISimd<TVector> where TVector : struct
    {
        TVector sum = TOps.Zero;
        for (int j = 0; j < count; j++)
            sum = TOps.Add(sum, TOps.Load(column + (long)j * stride));
        TOps.Store(TOps.Multiply(sum, TOps.Broadcast(scale)), y);
    }

    /// <summary>rows[j*stride + c] += scale * dy[c] for j &lt; count: one output gradient spread over its window.</summary>
    public static void Spread<TOps, TVector>(float* dy, int channels, float scale, float* rows, int stride, int count)
        where TOps : ISimd<TVector> where TVector : struct
    {
        TVector vScale = TOps.Broadcast(scale);
        for (int j = 0; j < count; j++)
        {
            float* row = rows + (long)j * stride;
            int c = 0;
            for (; c <= channels - TOps.Count; c += TOps.Count)
                TOps.Store(TOps.MultiplyAdd(TOps.Load(dy + c), vScale, TOps.Load(row + c)), row + c);
            for (; c < channels; c++)
                row[c] += scale * dy[c];
        }
    }

    /// <summary>The maximum of plane[0..length) and the first index that attains it; length &gt;= 1.</summary>
    public static (float Best, int At) PlaneMax<TOps, TVector>(float* plane, int length)
        where TOps : ISimd<TVector> where TVector : struct
    {
        int w = TOps.Count, i = 0;
        float best = plane[0];
        int at = 0;
        if (length >= w)
        {
            float* values = stackalloc float[Vector512<float>.Count];
            float* indices = stackalloc float[Vector512<float>.Count];
            for (int l = 0; l < w; l++)
                indices[l] = l;
            TVector iota = TOps.Load(indices), value = TOps.Load(plane), index = iota;
            for (i = w; i <= length - w; i += w)
            {
                TVector v = TOps.Load(plane + i), gain = TOps.Subtract(v, value);
                value = TOps.SelectPositive(gain, v, value);
                index = TOps.SelectPositive(gain, TOps.Add(TOps.Broadcast(i), iota), index);
            }
            TOps.Store(value, values);
            TOps.Store(index, indices);
            best = values[0];
            at = (int)indices[0];
            // Across lanes, equal maxima resolve to the smallest index, so the result is the first maximum overall.
            for (int l = 1; l < w; l++)
            {
                if (values[l] > best || (values[l] == best && (int)indices[l] < at))
                {
                    best = values[l];
                    at = (int)indices[l];
                }
            }
        }
        for (; i < length; i++)
        {
            if (plane[i] > best)
            {
                best = plane[i];
                at = i;
            }
        }
        return (best, at);
    }
}
