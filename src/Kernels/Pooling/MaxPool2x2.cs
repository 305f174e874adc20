using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>
/// Max pooling with the common 2x2 window, stride 2, no padding: 8 (AVX2) or 4 (SSE4.1) outputs of a row at a time,
/// the row's last block overlapping the previous one (same values, same places) so no scalar tail is needed once a
/// row has a whole vector of outputs. Winners and values are bit-identical to the scalar loop for inputs without NaN:
/// each pair is decided by the sign of its difference, left before right and top before bottom.
/// </summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>Whether <paramref name="s"/> is this window: 2x2, stride 2, no padding.</summary>
    public static bool Applies(in Pool2dShape s) => s.WindowHeight == 2 && s.WindowWidth == 2 && s.StrideHeight == 2
        && s.StrideWidth == 2 && s.PadHeight == 0 && s.PadWidth == 0;

    private static bool UseAvx2(int ow) => ow >= 8 && Avx2.IsSupported && KernelSettings.EffectiveVectorWidth >= VectorWidth.Bits256;

    private static bool UseSse(int ow) => ow >= 4 && Sse41.IsSupported && KernelSettings.EffectiveVectorWidth >= VectorWidth.Bits128;

    /// <summary>output := window maxima of input; argmax := each winner's index within its (H*W) plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in Pool2dShape shape, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
    {
        int oh = shape.OutHeight, ow = shape.OutWidth, w = shape.Width, plane = shape.Height * w, planes = shape.Batch * shape.Channels;
        bool avx2 = UseAvx2(ow), sse = !avx2 && UseSse(ow);
        fixed (float* pIn = input, pOut = output)
        fixed (int* pArg = argmax)
        {
            for (int p = 0; p < planes; p++)
            {
                float* image = pIn + (long)p * plane;
                float* o = pOut + (long)p * oh * ow;
                int* arg = pArg + (long)p * oh * ow;
                for (int y = 0; y < oh; y++)
                {
                    int rowStart = 2 * y * w;
                    if (avx2)
                        RowAvx2(image, rowStart, w, ow, o + y * ow, arg + y * ow, null, null);
                    else if (sse)
                        RowSse(image, rowStart, w, ow, o + y * ow, arg + y * ow, null, null);
                    else
                        RowScalar(image, rowStart, w, ow, o + y * ow, arg + y * ow);
                }
            }
        }
    }

    /// <summary>
    /// One output row: the maxima of the windows on input rows rowStart / w and the next (both read from
    /// <paramref name="image"/> + rowStart), with winners as plane indices; what <see cref="Forward"/> runs per row.
    /// </summary>
    public static void Row(float* image, int rowStart, int w, int ow, float* o, int* arg) => Row(image, rowStart, w, ow, o, arg, null, null);

    /// <summary>
    /// <see cref="Row(float*, int, int, int, float*, int*)"/> that also stores, when <paramref name="source"/> is not null,
    /// each winner's value in <paramref name="source"/> (laid out as the image) to <paramref name="winners"/>: the same
    /// choices applied to a second tensor, cheaper than gathering by the winners' indices afterwards.
    /// </summary>
    public static void Row(float* image, int rowStart, int w, int ow, float* o, int* arg, float* source, float* winners)
    {
        if (UseAvx2(ow))
        {
            RowAvx2(image, rowStart, w, ow, o, arg, source, winners);
            return;
        }
        if (UseSse(ow))
        {
            RowSse(image, rowStart, w, ow, o, arg, source, winners);
            return;
        }
        RowScalar(image, rowStart, w, ow, o, arg);
        for (int x = 0; source != null && x < ow; x++)
            winners[x] = source[arg[x]];
    }

    private static void RowScalar(float* image, int rowStart, int w, int ow, float* o, int* arg)
    {
        float* top = image + rowStart, bottom = top + w;
        for (int x = 0; x < ow; x++)
        {
            // Branch-free: winners come from sign bits, because data-dependent branches mispredict about half the
            // time here and cost more than the compares.
            int i = 2 * x;
            float a = top[i], b = top[i + 1], c = bottom[i], d = bottom[i + 1];
            int takeB = SignBit(a - b), takeD = SignBit(c - d);
            float upper = MathF.Max(a, b), lower = MathF.Max(c, d);
            int upperAt = rowStart + i + takeB, lowerAt = rowStart + w + i + takeD;
            int takeLower = SignBit(upper - lower);
            o[x] = MathF.Max(upper, lower);
            arg[x] = upperAt + takeLower * (lowerAt - upperAt);
        }
    }

    /// <summary>1 when <paramref name="difference"/> is negative (the second operand won), else 0; ties keep the first.</summary>
    private static int SignBit(float difference) => (int)((uint)BitConverter.SingleToInt32Bits(difference) >> 31);

    /// <summary>
    /// 8 outputs per step: even/odd columns are split by an in-lane shuffle, which leaves outputs in the order
    /// 0 1 4 5 2 3 6 7, so the plane indices are built in that order and both results are put right by one permute.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowAvx2(float* image, int rowStart, int w, int ow, float* o, int* arg, float* source, float* winners)
    {
        float* top = image + rowStart, bottom = top + w;
        Vector256<int> lanes = Vector256.Create(0, 2, 8, 10, 4, 6, 12, 14);
        Vector256<int> down = Vector256.Create(w);
        for (int x = 0; ; x += 8)
        {
            int at = Math.Min(x, ow - 8), i = 2 * at;
            Vector256<float> t0 = Avx.LoadVector256(top + i), t1 = Avx.LoadVector256(top + i + 8);
            Vector256<float> b0 = Avx.LoadVector256(bottom + i), b1 = Avx.LoadVector256(bottom + i + 8);
            Vector256<float> a = Avx.Shuffle(t0, t1, 0x88), b = Avx.Shuffle(t0, t1, 0xDD);
            Vector256<float> c = Avx.Shuffle(b0, b1, 0x88), d = Avx.Shuffle(b0, b1, 0xDD);
            Vector256<float> ab = Avx.Subtract(a, b), cd = Avx.Subtract(c, d);
            Vector256<float> upper = Avx.BlendVariable(a, b, ab), lower = Avx.BlendVariable(c, d, cd);
            Vector256<float> ul = Avx.Subtract(upper, lower);
            Vector256<int> corner = Avx2.Add(lanes, Vector256.Create(rowStart + i));
            Vector256<int> upperAt = Avx2.Add(corner, Avx2.ShiftRightLogical(ab.AsInt32(), 31));
            Vector256<int> lowerAt = Avx2.Add(Avx2.Add(corner, down), Avx2.ShiftRightLogical(cd.AsInt32(), 31));
            Vector256<float> best = Avx.BlendVariable(upper, lower, ul);
            Vector256<int> winner = Avx.BlendVariable(upperAt.AsSingle(), lowerAt.AsSingle(), ul).AsInt32();
            Avx.Store(o + at, Avx2.Permute4x64(best.AsDouble(), 0xD8).AsSingle());
            Avx.Store(arg + at, Avx2.Permute4x64(winner.AsInt64(), 0xD8).AsInt32());
            if (source != null)
            {
                float* sTop = source + rowStart, sBottom = sTop + w;
                Vector256<float> s0 = Avx.LoadVector256(sTop + i), s1 = Avx.LoadVector256(sTop + i + 8);
                Vector256<float> s2 = Avx.LoadVector256(sBottom + i), s3 = Avx.LoadVector256(sBottom + i + 8);
                Vector256<float> sUpper = Avx.BlendVariable(Avx.Shuffle(s0, s1, 0x88), Avx.Shuffle(s0, s1, 0xDD), ab);
                Vector256<float> sLower = Avx.BlendVariable(Avx.Shuffle(s2, s3, 0x88), Avx.Shuffle(s2, s3, 0xDD), cd);
                Avx.Store(winners + at, Avx2.Permute4x64(Avx.BlendVariable(sUpper, sLower, ul).AsDouble(), 0xD8).AsSingle());
            }
            if (at == ow - 8)
                break;
        }
    }

    /// <summary>4 outputs per step: the shuffle splits even and odd columns in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSse(float* image, int rowStart, int w, int ow, float* o, int* arg, float* source, float* winners)
    {
        float* top = image + rowStart, bottom = top + w;
        Vector128<int> lanes = Vector128.Create(0, 2, 4, 6), down = Vector128.Create(w);
        for (int x = 0; ; x += 4)
        {
            int at = Math.Min(x, ow - 4), i = 2 * at;
            Vector128<float> t0 = Sse.LoadVector128(top + i), t1 = Sse.LoadVector128(top + i + 4);
            Vector128<float> b0 = Sse.LoadVector128(bottom + i), b1 = Sse.LoadVector128(bottom + i + 4);
            Vector128<float> a = Sse.Shuffle(t0, t1, 0x88), b = Sse.Shuffle(t0, t1, 0xDD);
            Vector128<float> c = Sse.Shuffle(b0, b1, 0x88), d = Sse.Shuffle(b0, b1, 0xDD);
            Vector128<float> ab = Sse.Subtract(a, b), cd = Sse.Subtract(c, d);
            Vector128<float> upper = Sse41.BlendVariable(a, b, ab), lower = Sse41.BlendVariable(c, d, cd);
            Vector128<float> ul = Sse.Subtract(upper, lower);
            Vector128<int> corner = Sse2.Add(lanes, Vector128.Create(rowStart + i));
            Vector128<int> upperAt = Sse2.Add(corner, Sse2.ShiftRightLogical(ab.AsInt32(), 31));
            Vector128<int> lowerAt = Sse2.Add(Sse2.Add(corner, down), Sse2.ShiftRightLogical(cd.AsInt32(), 31));
            Sse.Store(o + at, Sse41.BlendVariable(upper, lower, ul));
            Sse2.Store(arg + at, Sse41.BlendVariable(upperAt.AsSingle(), lowerAt.AsSingle(), ul).AsInt32());
            if (source != null)
            {
                float* sTop = source + rowStart, sBottom = sTop + w;
                Vector128<float> s0 = Sse.LoadVector128(sTop + i), s1 = Sse.LoadVector128(sTop + i + 4);
                Vector128<float> s2 = Sse.LoadVector128(sBottom + i), s3 = Sse.LoadVector128(sBottom + i + 4);
                Vector128<float> sUpper = Sse41.BlendVariable(Sse.Shuffle(s0, s1, 0x88), Sse.Shuffle(s0, s1, 0xDD), ab);
                Vector128<float> sLower = Sse41.BlendVariable(Sse.Shuffle(s2, s3, 0x88), Sse.Shuffle(s2, s3, 0xDD), cd);
                Sse.Store(winners + at, Sse41.BlendVariable(sUpper, sLower, ul));
            }
            if (at == ow - 4)
                break;
        }
    }

    /// <summary>
    /// dInput := dOutput routed to each window's winner, written window by window (the windows tile the input, so no
    /// clear and no scatter is needed; only an odd last row or column, which no window covers, is cleared first). When
    /// <paramref name="rectifiedOutput"/> is not empty, windows whose maximum is not positive pass no gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in Pool2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax, Span<float> dInput,
        ReadOnlySpan<float> rectifiedOutput)
    {
        int oh = shape.OutHeight, ow = shape.OutWidth, w = shape.Width, plane = shape.Height * w, planes = shape.Batch * shape.Channels;
        bool avx2 = UseAvx2(ow), sse = !avx2 && UseSse(ow);
        if ((shape.Height & 1) != 0 || (w & 1) != 0)
            dInput.Clear();
        fixed (float* pDOut = dOutput, pDIn = dInput, pGate = rectifiedOutput)
        fixed (int* pArg = argmax)
        {
            for (int p = 0; p < planes; p++)
            {
                float* image = pDIn + (long)p * plane;
                float* g = pDOut + (long)p * oh * ow;
                int* arg = pArg + (long)p * oh * ow;
                float* gate = pGate == null ? null : pGate + (long)p * oh * ow;
                for (int y = 0; y < oh; y++)
                {
                    int rowStart = 2 * y * w;
                    float* gateRow = gate == null ? null : gate + y * ow;
                    if (avx2)
                        BackRowAvx2(image, rowStart, w, ow, g + y * ow, arg + y * ow, gateRow);
                    else if (sse)
                        BackRowSse(image, rowStart, w, ow, g + y * ow, arg + y * ow, gateRow);
                    else
                        BackRowScalar(image, rowStart, w, ow, g + y * ow, arg + y * ow, gateRow);
                }
            }
        }
    }

    private static void BackRowScalar(float* image, int rowStart, int w, int ow, float* g, int* arg, float* gate)
    {
        for (int x = 0; x < ow; x++)
        {
            int corner = rowStart + 2 * x, winner = arg[x];
            float v = gate == null || gate[x] > 0f ? g[x] + 0f : 0f;
            image[corner] = winner == corner ? v : 0f;
            image[corner + 1] = winner == corner + 1 ? v : 0f;
            image[corner + w] = winner == corner + w ? v : 0f;
            image[corner + w + 1] = winner == corner + w + 1 ? v : 0f;
        }
    }

    /// <summary>8 windows per step: the four masked gradients are interleaved back into two rows of 16 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackRowAvx2(float* image, int rowStart, int w, int ow, float* g, int* arg, float* gate)
    {
        for (int x = 0; ; x += 8)
        {
            int at = Math.Min(x, ow - 8), i = rowStart + 2 * at;
            RouteAvx2(g, arg, gate, at, i, w, out Vector256<float> top0, out Vector256<float> top1, out Vector256<float> bottom0,
                out Vector256<float> bottom1);
            Avx.Store(image + i, top0);
            Avx.Store(image + i + 8, top1);
            Avx.Store(image + i + w, bottom0);
            Avx.Store(image + i + w + 8, bottom1);
            if (at == ow - 8)
                break;
        }
    }

    /// <summary>
    /// The gradients of 8 windows (outputs at..at + 7, whose top-left corner is plane index i) routed to their winners: two
    /// rows of 16 floats, zero where a window did not pick the place. A window whose rectified maximum is not positive
    /// passes nothing when <paramref name="gate"/> is given.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RouteAvx2(float* g, int* arg, float* gate, int at, int i, int w, out Vector256<float> top0, out Vector256<float> top1,
        out Vector256<float> bottom0, out Vector256<float> bottom1)
    {
        Vector256<int> lanes = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14), one = Vector256.Create(1);
        // + 0 turns a -0 gradient into +0, as the scatter into a cleared buffer (0 + v) did.
        Vector256<float> v = Avx.Add(Avx.LoadVector256(g + at), Vector256<float>.Zero);
        if (gate != null)
            v = Avx.And(Avx.CompareGreaterThan(Avx.LoadVector256(gate + at), Vector256<float>.Zero), v);
        Vector256<int> winner = Avx.LoadVector256(arg + at);
        Vector256<int> corner = Avx2.Add(lanes, Vector256.Create(i)), below = Avx2.Add(corner, Vector256.Create(w));
        Vector256<float> tl = Avx.And(Avx2.CompareEqual(winner, corner).AsSingle(), v);
        Vector256<float> tr = Avx.And(Avx2.CompareEqual(winner, Avx2.Add(corner, one)).AsSingle(), v);
        Vector256<float> bl = Avx.And(Avx2.CompareEqual(winner, below).AsSingle(), v);
        Vector256<float> br = Avx.And(Avx2.CompareEqual(winner, Avx2.Add(below, one)).AsSingle(), v);
        Vector256<float> topLow = Avx.UnpackLow(tl, tr), topHigh = Avx.UnpackHigh(tl, tr);
        Vector256<float> bottomLow = Avx.UnpackLow(bl, br), bottomHigh = Avx.UnpackHigh(bl, br);
        top0 = Avx.Permute2x128(topLow, topHigh, 0x20);
        top1 = Avx.Permute2x128(topLow, topHigh, 0x31);
        bottom0 = Avx.Permute2x128(bottomLow, bottomHigh, 0x20);
        bottom1 = Avx.Permute2x128(bottomLow, bottomHigh, 0x31);
    }

    /// <summary>4 windows per step, as <see cref="BackRowAvx2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackRowSse(float* image, int rowStart, int w, int ow, float* g, int* arg, float* gate)
    {
        for (int x = 0; ; x += 4)
        {
            int at = Math.Min(x, ow - 4), i = rowStart + 2 * at;
            RouteSse(g, arg, gate, at, i, w, out Vector128<float> top0, out Vector128<float> top1, out Vector128<float> bottom0,
                out Vector128<float> bottom1);
            Sse.Store(image + i, top0);
            Sse.Store(image + i + 4, top1);
            Sse.Store(image + i + w, bottom0);
            Sse.Store(image + i + w + 4, bottom1);
            if (at == ow - 4)
                break;
        }
    }

    /// <summary><see cref="RouteAvx2"/> for 4 windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RouteSse(float* g, int* arg, float* gate, int at, int i, int w, out Vector128<float> top0, out Vector128<float> top1,
        out Vector128<float> bottom0, out Vector128<float> bottom1)
    {
        Vector128<int> lanes = Vector128.Create(0, 2, 4, 6), one = Vector128.Create(1);
        Vector128<float> v = Sse.Add(Sse.LoadVector128(g + at), Vector128<float>.Zero);
        if (gate != null)
            v = Sse.And(Sse.CompareGreaterThan(Sse.LoadVector128(gate + at), Vector128<float>.Zero), v);
        Vector128<int> winner = Sse2.LoadVector128(arg + at);
        Vector128<int> corner = Sse2.Add(lanes, Vector128.Create(i)), below = Sse2.Add(corner, Vector128.Create(w));
        Vector128<float> tl = Sse.And(Sse2.CompareEqual(winner, corner).AsSingle(), v);
        Vector128<float> tr = Sse.And(Sse2.CompareEqual(winner, Sse2.Add(corner, one)).AsSingle(), v);
        Vector128<float> bl = Sse.And(Sse2.CompareEqual(winner, below).AsSingle(), v);
        Vector128<float> br = Sse.And(Sse2.CompareEqual(winner, Sse2.Add(below, one)).AsSingle(), v);
        top0 = Sse.UnpackLow(tl, tr);
        top1 = Sse.UnpackHigh(tl, tr);
        bottom0 = Sse.UnpackLow(bl, br);
        bottom1 = Sse.UnpackHigh(bl, br);
    }

    /// <summary>
    /// dInput := k[c] dy + (a[c] x + b[c]) per channel c, where dy is dOutput routed to each window's winner (zero
    /// elsewhere): <see cref="Backward"/> followed by batch norm's input gradient, in one pass that never stores dy. The
    /// same floats as the two passes: dy enters the same multiply-adds, as zero where no window sent it anything.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardThroughAffine(in Pool2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> argmax,
        ReadOnlySpan<float> input, ReadOnlySpan<float> k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dInput)
    {
        int oh = shape.OutHeight, ow = shape.OutWidth, w = shape.Width, h = shape.Height, plane = h * w, c = shape.Channels;
        int planes = shape.Batch * c;
        bool avx2 = UseAvx2(ow), sse = !avx2 && UseSse(ow);
        fixed (float* pDOut = dOutput, pIn = input, pDIn = dInput)
        fixed (int* pArg = argmax)
        {
            for (int p = 0; p < planes; p++)
            {
                int ch = p % c;
                float kc = k[ch], ac = a[ch], bc = b[ch];
                float* x = pIn + (long)p * plane, dx = pDIn + (long)p * plane;
                float* g = pDOut + (long)p * oh * ow;
                int* arg = pArg + (long)p * oh * ow;
                for (int y = 0; y < oh; y++)
                {
                    int rowStart = 2 * y * w;
                    if (avx2)
                        AffineRowAvx2(x, dx, rowStart, w, ow, g + y * ow, arg + y * ow, kc, ac, bc);
                    else if (sse)
                        AffineRowSse(x, dx, rowStart, w, ow, g + y * ow, arg + y * ow, kc, ac, bc);
                    else
                        AffineRowScalar(x, dx, rowStart, w, ow, g + y * ow, arg + y * ow, kc, ac, bc);
                }
                // An odd last column or row is in no window: its dy is zero.
                if ((w & 1) != 0)
                {
                    for (int y = 0; y < 2 * oh; y++)
                        dx[y * w + w - 1] = SimdScalar.MultiplyAdd(0f, kc, SimdScalar.MultiplyAdd(x[y * w + w - 1], ac, bc));
                }
                for (int i = 2 * oh * w; i < plane; i++)
                    dx[i] = SimdScalar.MultiplyAdd(0f, kc, SimdScalar.MultiplyAdd(x[i], ac, bc));
            }
        }
    }

    private static void AffineRowScalar(float* x, float* dx, int rowStart, int w, int ow, float* g, int* arg, float k, float a, float b)
    {
        for (int j = 0; j < ow; j++)
        {
            int corner = rowStart + 2 * j, winner = arg[j];
            float v = g[j];
            Put(corner);
            Put(corner + 1);
            Put(corner + w);
            Put(corner + w + 1);

            void Put(int at) => dx[at] = SimdScalar.MultiplyAdd(winner == at ? v : 0f, k, SimdScalar.MultiplyAdd(x[at], a, b));
        }
    }

    /// <summary>8 windows per step, routed as in <see cref="BackRowAvx2"/>, then through the affine map.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineRowAvx2(float* x, float* dx, int rowStart, int w, int ow, float* g, int* arg, float k, float a, float b)
    {
        Vector256<float> vk = Vector256.Create(k), va = Vector256.Create(a), vb = Vector256.Create(b);
        for (int j = 0; ; j += 8)
        {
            int at = Math.Min(j, ow - 8), i = rowStart + 2 * at;
            RouteAvx2(g, arg, null, at, i, w, out Vector256<float> top0, out Vector256<float> top1, out Vector256<float> bottom0,
                out Vector256<float> bottom1);
            Store(top0, i);
            Store(top1, i + 8);
            Store(bottom0, i + w);
            Store(bottom1, i + w + 8);
            if (at == ow - 8)
                break;
        }

        void Store(Vector256<float> dy, int at) =>
            Avx.Store(dx + at, Simd256.MultiplyAdd(dy, vk, Simd256.MultiplyAdd(Avx.LoadVector256(x + at), va, vb)));
    }

    /// <summary>4 windows per step, as <see cref="AffineRowAvx2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AffineRowSse(float* x, float* dx, int rowStart, int w, int ow, float* g, int* arg, float k, float a, float b)
    {
        Vector128<float> vk = Vector128.Create(k), va = Vector128.Create(a), vb = Vector128.Create(b);
        for (int j = 0; ; j += 4)
        {
            int at = Math.Min(j, ow - 4), i = rowStart + 2 * at;
            RouteSse(g, arg, null, at, i, w, out Vector128<float> top0, out Vector128<float> top1, out Vector128<float> bottom0,
                out Vector128<float> bottom1);
            Store(top0, i);
            Store(top1, i + 4);
            Store(bottom0, i + w);
            Store(bottom1, i + w + 4);
            if (at == ow - 4)
                break;
        }

        void Store(Vector128<float> dy, int at) =>
            Sse.Store(dx + at, Simd128.MultiplyAdd(dy, vk, Simd128.MultiplyAdd(Sse.LoadVector128(x + at), va, vb)));
    }
}
