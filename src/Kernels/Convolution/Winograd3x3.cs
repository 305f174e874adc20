using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) on AVX-512 (Lavin and Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016): every 2x2 block of output pixels is A^T [(G g G^T) ⊙ (B^T d B)] A over the 4x4
/// block d of padded input under it, so after the transforms (additions and halvings) the work is 16 products of
/// (tiles x C) by (C x O), 16 multiply-adds per 4 outputs and channel pair where the direct kernel spends 36 (2.25x fewer).
/// Forward and backward data (the flipped kernel over dOutput) share <see cref="Forward"/>; the weight gradient is the same
/// algebra transposed: dU[ξ] = Σ_tiles V[ξ]^T Z[ξ] with Z = A dY A^T, then dg = G^T dU G. Per image, so everything a pass
/// touches stays in L2; the sums run in one fixed order, so results do not depend on the thread count. Every pass
/// method is compiled optimized at its first call: tier-0 code of the products (their micro-tiles not inlined) ran the
/// first second of a training run several times slower.
/// </summary>
internal static unsafe class Winograd3x3
{
    private const int Lanes = 16;

    /// <summary>Tiles per micro-tile of the product (its rows); an image needs at least this many.</summary>
    private const int TileBlock = 7;

    /// <summary>
    /// A 3x3 kernel at stride 1 over at least 8 source channels (fewer leave the transforms dominant; the shallow kernels
    /// take them) with at least <see cref="TileBlock"/> 2x2 tiles per image. Says nothing about the CPU: see <see cref="Applies"/>.
    /// </summary>
    public static bool Fits(in PatchGeometry g) => g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1
        && g.StrideWidth == 1 && g.Channels >= 8 && (g.OutHeight + 1) / 2 * ((g.OutWidth + 1) / 2) >= TileBlock;

    /// <summary><see cref="Fits"/> on an AVX-512 machine.</summary>
    public static bool Applies(in PatchGeometry g) => Avx512F.IsSupported && Fits(g);

    /// <summary>
    /// U[ξ][c][o] := (G g G^T)[ξ] for source channel c and target channel o, zero past the targets: g is the forward
    /// kernel weights[o, c], or for backward data (<paramref name="flipped"/>) weights[c, o] turned by 180 degrees.
    /// 16 target channels per vector, their taps gathered (the scalar transform with its 16 scattered stores per pair
    /// took 94 us per call, as long as two images' products).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransformWeights(in PatchGeometry g, in WinogradLayout l, float* weights, bool flipped, float* u)
    {
        int sources = g.Channels, targets = g.OutChannels;
        long plane = l.WeightPlane;
        // Lane j reads target channel o0 + j (clamped to the last, then zeroed): 9 floats apart when flipped, C * 9 otherwise.
        int laneStride = flipped ? 9 : sources * 9;
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> half = Vector512.Create(0.5f);
        for (int o0 = 0; o0 < l.OutStride; o0 += Lanes)
        {
            Vector512<int> index = Vector512.Min(lane + Vector512.Create(o0), Vector512.Create(targets - 1)) * Vector512.Create(laneStride)
                - Vector512.Create(o0 * laneStride);
            Vector512<float> keep = Vector512.LessThan(lane + Vector512.Create(o0), Vector512.Create(targets)).AsSingle();
            for (int c = 0; c < sources; c++)
            {
                float* w = flipped ? weights + ((long)c * targets + o0) * 9 : weights + ((long)o0 * sources + c) * 9;
                Vector512<float> k0 = Tap(w, index, flipped, 0), k1 = Tap(w, index, flipped, 1), k2 = Tap(w, index, flipped, 2);
                Vector512<float> k3 = Tap(w, index, flipped, 3), k4 = Tap(w, index, flipped, 4), k5 = Tap(w, index, flipped, 5);
                Vector512<float> k6 = Tap(w, index, flipped, 6), k7 = Tap(w, index, flipped, 7), k8 = Tap(w, index, flipped, 8);
                // Rows of G k (G's rows: (1, 0, 0), (1/2, 1/2, 1/2), (1/2, -1/2, 1/2), (0, 0, 1)), one per kernel column.
                float* dst = u + (long)c * l.OutStride + o0;
                FilterRow(k0, k1, k2, half, keep, dst, plane);
                FilterRow(half * (k0 + k3 + k6), half * (k1 + k4 + k7), half * (k2 + k5 + k8), half, keep, dst + 4 * plane, plane);
                FilterRow(half * (k0 - k3 + k6), half * (k1 - k4 + k7), half * (k2 - k5 + k8), half, keep, dst + 8 * plane, plane);
                FilterRow(k6, k7, k8, half, keep, dst + 12 * plane, plane);
            }
        }
        for (int xi = 0; xi < 16; xi++)
            new Span<float>(u + xi * plane + (long)sources * l.OutStride, (l.SourceRows - sources) * l.OutStride).Clear();
    }

    /// <summary>Tap <paramref name="tap"/> of 16 target channels' kernels, turned by 180 degrees when flipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Tap(float* w, Vector512<int> index, bool flipped, int tap)
    {
        float* at = w + (flipped ? 8 - tap : tap);
        // .NET has no 512-bit gather: two 256-bit ones.
        return Vector512.Create(Avx2.GatherVector256(at, index.GetLower(), 4), Avx2.GatherVector256(at, index.GetUpper(), 4));
    }

    /// <summary>Stores one row of (G k) G^T: t0, (t0 + t1 + t2) / 2, (t0 - t1 + t2) / 2, t2, with the lanes past the targets cleared (<paramref name="keep"/> is all ones below them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRow(Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> half,
        Vector512<float> keep, float* dst, long plane)
    {
        Vector512.Store(t0 & keep, dst);
        Vector512.Store((half * (t0 + t1 + t2)) & keep, dst + plane);
        Vector512.Store((half * (t0 - t1 + t2)) & keep, dst + 2 * plane);
        Vector512.Store(t2 & keep, dst + 3 * plane);
    }

    /// <summary>
    /// target (O, OH, OW) of one image := the convolution of <paramref name="source"/> (C, H, W) with the transformed
    /// weights at <see cref="WinogradLayout.Weights"/>, plus bias (zeros when null), then max(0, .) when <paramref name="relu"/>.
    /// <paramref name="work"/> is the layout's aligned start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in PatchGeometry g, in WinogradLayout l, float* work, float* source, float* biasOrNull, float* target, bool relu)
    {
        float* padded = work + l.Padded, v = work + l.Transformed, m = work + l.Products, pixels = work + l.Pixels, bias = work + l.Bias;
        for (int j = 0; j < l.OutStride; j++)
            bias[j] = biasOrNull != null && j < g.OutChannels ? biasOrNull[j] : 0f;
        Pad(g, l, source, padded);
        TransformInput(l, g.Channels, padded, v);
        Multiply(l, g.Channels, v, work + l.Weights, m);
        TransformOutput(g, l, m, bias, relu, pixels);
        Gemm.Transpose8x8.Matrix(pixels, l.OutStride, g.OutPixels, g.OutChannels, target, g.OutPixels);
    }

    /// <summary>
    /// dU[ξ][c][o] += the gradient of the transformed weights over one image: its <paramref name="source"/> (C, H, W) and
    /// <paramref name="dOutput"/> (O, OH, OW). Rows c from C to <see cref="WinogradLayout.SourceRows"/> of V must be zero
    /// (<see cref="ClearPaddingRows"/>) and dU cleared before the first image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateWeightGradient(in PatchGeometry g, in WinogradLayout l, float* work, float* source, float* dOutput)
    {
        float* padded = work + l.Padded, v = work + l.Transformed, z = work + l.Products, rows = work + l.Pixels;
        Pad(g, l, source, padded);
        TransformInput(l, g.Channels, padded, v);
        PixelRowWeightGradient.Transpose(dOutput, g.OutChannels, g.OutPixels, l.OutStride, rows);
        TransformGradient(g, l, rows, z);
        MultiplyTransposed(l, v, z, work + l.Weights);
    }

    /// <summary>Zeroes V's rows past the source channels and the weight-gradient planes, before a run of images.</summary>
    public static void ClearForWeightGradient(in PatchGeometry g, in WinogradLayout l, float* work)
    {
        new Span<float>(work + l.Weights, 16 * l.WeightPlane).Clear();
        ClearPaddingRows(g, l, work);
    }

    /// <summary>Zeroes rows C to SourceRows of every transformed-input plane (no transform writes them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClearPaddingRows(in PatchGeometry g, in WinogradLayout l, float* work)
    {
        float* v = work + l.Transformed;
        long plane = l.TransformedPlane;
        for (int xi = 0; xi < 16; xi++)
            new Span<float>(v + xi * plane + (long)g.Channels * l.TileStride, (l.SourceRows - g.Channels) * l.TileStride).Clear();
    }

    /// <summary>
    /// partial[((c * 3 + ky) * 3 + kx) * ldp + o] += (G^T dU[.][c][o] G)[ky, kx]: the accumulated gradient back in the
    /// kernel's taps. <paramref name="ldp"/> is at least <see cref="WinogradLayout.OutStride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddWeightGradient(in PatchGeometry g, in WinogradLayout l, float* work, float* partial, int ldp)
    {
        Debug.Assert(ldp >= l.OutStride);
        float* du = work + l.Weights;
        long plane = l.WeightPlane;
        Vector512<float> half = Vector512.Create(0.5f);
        for (int c = 0; c < g.Channels; c++)
        {
            for (int o0 = 0; o0 < l.OutStride; o0 += Lanes)
            {
                float* u = du + (long)c * l.OutStride + o0;
                // Rows of G^T dU are (1, 1/2, 1/2, 0), (0, 1/2, -1/2, 0), (0, 1/2, 1/2, 1): column j gives R0j, R1j, R2j.
                Column(u, plane, half, out Vector512<float> r00, out Vector512<float> r10, out Vector512<float> r20);
                Column(u + plane, plane, half, out Vector512<float> r01, out Vector512<float> r11, out Vector512<float> r21);
                Column(u + 2 * plane, plane, half, out Vector512<float> r02, out Vector512<float> r12, out Vector512<float> r22);
                Column(u + 3 * plane, plane, half, out Vector512<float> r03, out Vector512<float> r13, out Vector512<float> r23);
                float* target = partial + (long)c * 9 * ldp + o0;
                Taps(r00, r01, r02, r03, half, target, ldp);
                Taps(r10, r11, r12, r13, half, target + 3 * ldp, ldp);
                Taps(r20, r21, r22, r23, half, target + 6 * ldp, ldp);
            }
        }
    }

    /// <summary>Column j of G^T dU from the planes i * 4 + j at u, 4 * plane apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* u, long plane, Vector512<float> half, out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2)
    {
        Vector512<float> u0 = Vector512.Load(u), u1 = Vector512.Load(u + 4 * plane);
        Vector512<float> u2 = Vector512.Load(u + 8 * plane), u3 = Vector512.Load(u + 12 * plane);
        Vector512<float> middle = half * (u1 + u2);
        r0 = u0 + middle;
        r1 = half * (u1 - u2);
        r2 = middle + u3;
    }

    /// <summary>Adds one row of (G^T dU) G, the three taps of kernel row ky, to three partial rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Taps(Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3, Vector512<float> half,
        float* row, int ldp)
    {
        Vector512<float> middle = half * (r1 + r2);
        Add(row, r0 + middle);
        Add(row + ldp, half * (r1 - r2));
        Add(row + 2 * ldp, middle + r3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* target, Vector512<float> value) => Vector512.Store(Vector512.Load(target) + value, target);

    /// <summary>padded (C, PaddedRows, PaddedRowStride) := source (C, H, W) at offset (pad, pad), zeros around it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pad(in PatchGeometry g, in WinogradLayout l, float* source, float* padded)
    {
        int h = g.Height, w = g.Width, rows = l.PaddedRows, ld = l.PaddedRowStride;
        new Span<float>(padded, g.Channels * rows * ld).Clear();
        for (int c = 0; c < g.Channels; c++)
        {
            float* src = source + (long)c * h * w;
            float* dst = padded + (long)c * rows * ld + g.PadHeight * ld + g.PadWidth;
            for (int y = 0; y < h; y++)
                new ReadOnlySpan<float>(src + y * w, w).CopyTo(new Span<float>(dst + y * ld, w));
        }
    }

    /// <summary>
    /// V[ξ][c][t] := (B^T d B)[ξ] for every tile t of every channel, 16 tiles of one tile row per vector: the even and odd
    /// columns of a padded row are split by one two-source permute each, so a tile's 4 columns are lanes of 4 vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput(in WinogradLayout l, int channels, float* padded, float* v)
    {
        Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odd = even + Vector512<int>.One;
        int tw = l.TileColumns, ld = l.PaddedRowStride, ldv = l.TileStride;
        long plane = l.TransformedPlane, image = (long)l.PaddedRows * ld;
        if (tw <= Lanes / 2)
        {
            TransformInputRowPairs(l, channels, padded, v);
            return;
        }
        for (int c = 0; c < channels; c++)
        {
            for (int ty = 0; ty < l.TileRows; ty++)
            {
                float* top = padded + c * image + 2L * ty * ld;
                for (int x = 0; x < tw; x += Lanes)
                {
                    float* r = top + 2 * x;
                    Columns(r, even, odd, out Vector512<float> d00, out Vector512<float> d01, out Vector512<float> d02, out Vector512<float> d03);
                    Columns(r + ld, even, odd, out Vector512<float> d10, out Vector512<float> d11, out Vector512<float> d12, out Vector512<float> d13);
                    Columns(r + 2 * ld, even, odd, out Vector512<float> d20, out Vector512<float> d21, out Vector512<float> d22, out Vector512<float> d23);
                    Columns(r + 3 * ld, even, odd, out Vector512<float> d30, out Vector512<float> d31, out Vector512<float> d32, out Vector512<float> d33);
                    // Rows of B^T d: (d0 - d2), (d1 + d2), (d2 - d1), (d1 - d3).
                    float* dst = v + (long)c * ldv + ty * tw + x;
                    Rows(d00 - d20, d01 - d21, d02 - d22, d03 - d23, dst, plane);
                    Rows(d10 + d20, d11 + d21, d12 + d22, d13 + d23, dst + 4 * plane, plane);
                    Rows(d20 - d10, d21 - d11, d22 - d12, d23 - d13, dst + 8 * plane, plane);
                    Rows(d10 - d30, d11 - d31, d12 - d32, d13 - d33, dst + 12 * plane, plane);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="TransformInput"/> for tile rows of at most 8 tiles, two tile rows per vector (lanes 0 to TW - 1 the
    /// first, TW to 2 TW - 1 the next, so the vector's tiles are consecutive): a 14x14 output has 7 tiles a row, and one
    /// row per vector left 9 of 16 lanes idle. A last unpaired row's second half reads past the image into the slack
    /// and lands past the channel's tiles, where nothing reads it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInputRowPairs(in WinogradLayout l, int channels, float* padded, float* v)
    {
        int tw = l.TileColumns, ld = l.PaddedRowStride, ldv = l.TileStride;
        Vector512<int> lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // Lane k < TW takes column 2k of the first row (index 2k), lane k >= TW column 2(k - TW) of the second (16 + ...).
        Vector512<int> even = Vector512.ConditionalSelect(Vector512.LessThan(lane, Vector512.Create(tw)), lane * 2,
            Vector512.Create(16) + (lane - Vector512.Create(tw)) * 2) & Vector512.Create(31);
        Vector512<int> odd = even + Vector512<int>.One;
        long plane = l.TransformedPlane, image = (long)l.PaddedRows * ld;
        for (int c = 0; c < channels; c++)
        {
            for (int ty = 0; ty < l.TileRows; ty += 2)
            {
                float* r = padded + c * image + 2L * ty * ld, next = r + 2 * ld;
                Pairs(r, next, even, odd, out Vector512<float> d00, out Vector512<float> d01, out Vector512<float> d02, out Vector512<float> d03);
                Pairs(r + ld, next + ld, even, odd, out Vector512<float> d10, out Vector512<float> d11, out Vector512<float> d12, out Vector512<float> d13);
                Pairs(r + 2 * ld, next + 2 * ld, even, odd, out Vector512<float> d20, out Vector512<float> d21, out Vector512<float> d22, out Vector512<float> d23);
                Pairs(r + 3 * ld, next + 3 * ld, even, odd, out Vector512<float> d30, out Vector512<float> d31, out Vector512<float> d32, out Vector512<float> d33);
                float* dst = v + (long)c * ldv + ty * tw;
                Rows(d00 - d20, d01 - d21, d02 - d22, d03 - d23, dst, plane);
                Rows(d10 + d20, d11 + d21, d12 + d22, d13 + d23, dst + 4 * plane, plane);
                Rows(d20 - d10, d21 - d11, d22 - d12, d23 - d13, dst + 8 * plane, plane);
                Rows(d10 - d30, d11 - d31, d12 - d32, d13 - d33, dst + 12 * plane, plane);
            }
        }
    }

    /// <summary>Columns 2t to 2t+3 of row <paramref name="first"/> for its tiles t, then of row <paramref name="second"/> for its.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pairs(float* first, float* second, Vector512<int> even, Vector512<int> odd,
        out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        Vector512<float> a = Vector512.Load(first), b = Vector512.Load(second);
        Vector512<float> aNext = Vector512.Load(first + 2), bNext = Vector512.Load(second + 2);
        c0 = Avx512F.PermuteVar16x32x2(a, even, b);
        c1 = Avx512F.PermuteVar16x32x2(a, odd, b);
        c2 = Avx512F.PermuteVar16x32x2(aNext, even, bNext);
        c3 = Avx512F.PermuteVar16x32x2(aNext, odd, bNext);
    }

    /// <summary>Columns 2t, 2t+1, 2t+2, 2t+3 of one padded row for 16 consecutive tiles t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(float* row, Vector512<int> even, Vector512<int> odd,
        out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        Vector512<float> low = Vector512.Load(row), high = Vector512.Load(row + Lanes);
        Vector512<float> lowNext = Vector512.Load(row + 2), highNext = Vector512.Load(row + 2 + Lanes);
        c0 = Avx512F.PermuteVar16x32x2(low, even, high);
        c1 = Avx512F.PermuteVar16x32x2(low, odd, high);
        c2 = Avx512F.PermuteVar16x32x2(lowNext, even, highNext);
        c3 = Avx512F.PermuteVar16x32x2(lowNext, odd, highNext);
    }

    /// <summary>Stores one row of (B^T d) B: (w0 - w2), (w1 + w2), (w2 - w1), (w1 - w3) into 4 consecutive planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, Vector512<float> w3, float* dst, long plane)
    {
        Vector512.Store(w0 - w2, dst);
        Vector512.Store(w1 + w2, dst + plane);
        Vector512.Store(w2 - w1, dst + 2 * plane);
        Vector512.Store(w1 - w3, dst + 3 * plane);
    }

    /// <summary>M[ξ][t][o] := Σ_c V[ξ][c][t] U[ξ][c][o] for the 16 planes; the last tile block overlaps the one before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply(in WinogradLayout l, int channels, float* v, float* u, float* m)
    {
        int tiles = l.Tiles, ldo = l.OutStride, ldv = l.TileStride;
        long vPlane = l.TransformedPlane, uPlane = l.WeightPlane, mPlane = l.ProductPlane;
        // The direct kernel's 7x32 micro-tile with a 1x1 kernel, no bias and no ReLU is exactly this product's.
        float* noBias = stackalloc float[2 * Lanes];
        new Span<float>(noBias, 2 * Lanes).Clear();
        for (int xi = 0; xi < 16; xi++)
        {
            float* vx = v + xi * vPlane, ux = u + xi * uPlane, mx = m + xi * mPlane;
            int o0 = 0;
            for (; o0 + 2 * Lanes <= ldo; o0 += 2 * Lanes)
            {
                for (int t = 0; ; t += TileBlock)
                {
                    int at = Math.Min(t, tiles - TileBlock);
                    PixelRowConvolution.TwoVectors(vx + at, ldv, channels, 1, 1, 0, ux + o0, ldo, noBias, false, mx + (long)at * ldo + o0, ldo);
                    if (at == tiles - TileBlock)
                        break;
                }
            }
            if (o0 < ldo)
            {
                for (int t = 0; ; t += TileBlock)
                {
                    int at = Math.Min(t, tiles - TileBlock);
                    OneVector(vx + at, ldv, channels, ux + o0, ldo, mx + (long)at * ldo + o0);
                    if (at == tiles - TileBlock)
                        break;
                }
            }
        }
    }

    /// <summary>7 tiles x 16 channels, as <see cref="PixelRowConvolution.TwoVectors"/> does 32, for the last 16 channels of an odd count of vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneVector(float* s, int ldv, int depth, float* w, int ldw, float* dst)
    {
        Vector512<float> c0 = Vector512<float>.Zero, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0;
        for (int c = 0; c < depth; c++, s += ldv, w += ldw)
        {
            Vector512<float> b = Vector512.Load(w);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[0]), b, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[1]), b, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[2]), b, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[3]), b, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[4]), b, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[5]), b, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[6]), b, c6);
        }
        Vector512.Store(c0, dst);
        Vector512.Store(c1, dst + ldw);
        Vector512.Store(c2, dst + 2 * ldw);
        Vector512.Store(c3, dst + 3 * ldw);
        Vector512.Store(c4, dst + 4 * ldw);
        Vector512.Store(c5, dst + 5 * ldw);
        Vector512.Store(c6, dst + 6 * ldw);
    }

    /// <summary>
    /// pixels[(y * OW + x) * OutStride + o] := (A^T M A) of each tile plus bias, rectified when asked; a tile's pixels past
    /// an odd output edge are dropped. Rows of A^T are (1, 1, 1, 0) and (0, 1, -1, -1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput(in PatchGeometry g, in WinogradLayout l, float* m, float* bias, bool relu, float* pixels)
    {
        int tw = l.TileColumns, ldo = l.OutStride, oh = g.OutHeight, ow = g.OutWidth;
        long plane = l.ProductPlane;
        for (int t = 0; t < l.Tiles; t++)
        {
            int ty = t / tw, tx = t - ty * tw;
            bool right = 2 * tx + 1 < ow, down = 2 * ty + 1 < oh;
            float* dst = pixels + ((long)2 * ty * ow + 2 * tx) * ldo;
            for (int o0 = 0; o0 < ldo; o0 += Lanes)
            {
                float* s = m + (long)t * ldo + o0;
                // Rows of A^T M: r0 = m0 + m1 + m2, r1 = m1 - m2 - m3, column by column.
                Vector512<float> m1j, m2j;
                Vector512<float> m00 = Vector512.Load(s), m10 = Vector512.Load(s + 4 * plane), m20 = Vector512.Load(s + 8 * plane), m30 = Vector512.Load(s + 12 * plane);
                Vector512<float> r00 = m00 + m10 + m20, r10 = m10 - m20 - m30;
                m1j = Vector512.Load(s + 5 * plane); m2j = Vector512.Load(s + 9 * plane);
                Vector512<float> r01 = Vector512.Load(s + plane) + m1j + m2j, r11 = m1j - m2j - Vector512.Load(s + 13 * plane);
                m1j = Vector512.Load(s + 6 * plane); m2j = Vector512.Load(s + 10 * plane);
                Vector512<float> r02 = Vector512.Load(s + 2 * plane) + m1j + m2j, r12 = m1j - m2j - Vector512.Load(s + 14 * plane);
                m1j = Vector512.Load(s + 7 * plane); m2j = Vector512.Load(s + 11 * plane);
                Vector512<float> r03 = Vector512.Load(s + 3 * plane) + m1j + m2j, r13 = m1j - m2j - Vector512.Load(s + 15 * plane);
                Vector512<float> b = Vector512.Load(bias + o0);
                Emit(r00 + r01 + r02 + b, relu, dst + o0);
                if (right)
                    Emit(r01 - r02 - r03 + b, relu, dst + ldo + o0);
                if (down)
                {
                    float* next = dst + (long)ow * ldo + o0;
                    Emit(r10 + r11 + r12 + b, relu, next);
                    if (right)
                        Emit(r11 - r12 - r13 + b, relu, next + ldo);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(Vector512<float> value, bool relu, float* dst) =>
        Vector512.Store(relu ? Vector512.Max(value, Vector512<float>.Zero) : value, dst);

    /// <summary>
    /// Z[ξ][t][o] := (A dY A^T)[ξ] of each tile's 2x2 block of pixel-major dOutput rows (zeros past an odd edge); rows of A
    /// are (1, 0), (1, 1), (1, -1), (0, -1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformGradient(in PatchGeometry g, in WinogradLayout l, float* rows, float* z)
    {
        int tw = l.TileColumns, ldo = l.OutStride, oh = g.OutHeight, ow = g.OutWidth;
        long plane = l.ProductPlane;
        for (int t = 0; t < l.Tiles; t++)
        {
            int ty = t / tw, tx = t - ty * tw;
            bool right = 2 * tx + 1 < ow, down = 2 * ty + 1 < oh;
            float* src = rows + ((long)2 * ty * ow + 2 * tx) * ldo;
            for (int o0 = 0; o0 < ldo; o0 += Lanes)
            {
                float* p = src + o0;
                Vector512<float> a = Vector512.Load(p);
                Vector512<float> b = right ? Vector512.Load(p + ldo) : Vector512<float>.Zero;
                Vector512<float> c = down ? Vector512.Load(p + (long)ow * ldo) : Vector512<float>.Zero;
                Vector512<float> d = right && down ? Vector512.Load(p + (long)ow * ldo + ldo) : Vector512<float>.Zero;
                float* dst = z + (long)t * ldo + o0;
                // Rows of A dY: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d).
                GradientRow(a, b, dst, plane);
                GradientRow(a + c, b + d, dst + 4 * plane, plane);
                GradientRow(a - c, b - d, dst + 8 * plane, plane);
                GradientRow(-c, -d, dst + 12 * plane, plane);
            }
        }
    }

    /// <summary>Stores one row of (A dY) A^T: q0, q0 + q1, q0 - q1, -q1 into 4 consecutive planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow(Vector512<float> q0, Vector512<float> q1, float* dst, long plane)
    {
        Vector512.Store(q0, dst);
        Vector512.Store(q0 + q1, dst + plane);
        Vector512.Store(q0 - q1, dst + 2 * plane);
        Vector512.Store(-q1, dst + 3 * plane);
    }

    /// <summary>dU[ξ][c][o] += Σ_t V[ξ][c][t] Z[ξ][t][o] for the 16 planes, in blocks of 4 channels by up to 64 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyTransposed(in WinogradLayout l, float* v, float* z, float* du)
    {
        int tiles = l.Tiles, ldo = l.OutStride, ldv = l.TileStride;
        long vPlane = l.TransformedPlane, zPlane = l.ProductPlane, uPlane = l.WeightPlane;
        for (int xi = 0; xi < 16; xi++)
        {
            float* vx = v + xi * vPlane, zx = z + xi * zPlane, ux = du + xi * uPlane;
            for (int c0 = 0; c0 < l.SourceRows; c0 += 4)
            {
                float* s = vx + (long)c0 * ldv;
                float* target = ux + (long)c0 * ldo;
                int o0 = 0;
                for (; o0 + 4 * Lanes <= ldo; o0 += 4 * Lanes)
                    Gradient<FourVectors>(s, ldv, tiles, zx + o0, ldo, target + o0);
                switch ((ldo - o0) / Lanes)
                {
                    case 3: Gradient<ThreeVectors>(s, ldv, tiles, zx + o0, ldo, target + o0); break;
                    case 2: Gradient<TwoVectorsWide>(s, ldv, tiles, zx + o0, ldo, target + o0); break;
                    case 1: Gradient<OneVectorWide>(s, ldv, tiles, zx + o0, ldo, target + o0); break;
                }
            }
        }
    }

    /// <summary>4 channels x TWidth.Count vectors of lanes: up to 16 accumulators, 4 broadcasts and up to 4 loads per tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gradient<TWidth>(float* s, int ldv, int tiles, float* z, int ldz, float* target)
        where TWidth : struct, IVectorCount
    {
        float* s0 = s, s1 = s + ldv, s2 = s + 2 * ldv, s3 = s + 3 * ldv;
        Vector512<float> a00 = Vector512<float>.Zero, a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        Vector512<float> a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int t = 0; t < tiles; t++, z += ldz)
        {
            Vector512<float> z0 = Vector512.Load(z);
            Vector512<float> z1 = TWidth.Count > 1 ? Vector512.Load(z + Lanes) : default;
            Vector512<float> z2 = TWidth.Count > 2 ? Vector512.Load(z + 2 * Lanes) : default;
            Vector512<float> z3 = TWidth.Count > 3 ? Vector512.Load(z + 3 * Lanes) : default;
            Vector512<float> b = Vector512.Create(s0[t]);
            a00 = Avx512F.FusedMultiplyAdd(b, z0, a00);
            if (TWidth.Count > 1) a01 = Avx512F.FusedMultiplyAdd(b, z1, a01);
            if (TWidth.Count > 2) a02 = Avx512F.FusedMultiplyAdd(b, z2, a02);
            if (TWidth.Count > 3) a03 = Avx512F.FusedMultiplyAdd(b, z3, a03);
            b = Vector512.Create(s1[t]);
            a10 = Avx512F.FusedMultiplyAdd(b, z0, a10);
            if (TWidth.Count > 1) a11 = Avx512F.FusedMultiplyAdd(b, z1, a11);
            if (TWidth.Count > 2) a12 = Avx512F.FusedMultiplyAdd(b, z2, a12);
            if (TWidth.Count > 3) a13 = Avx512F.FusedMultiplyAdd(b, z3, a13);
            b = Vector512.Create(s2[t]);
            a20 = Avx512F.FusedMultiplyAdd(b, z0, a20);
            if (TWidth.Count > 1) a21 = Avx512F.FusedMultiplyAdd(b, z1, a21);
            if (TWidth.Count > 2) a22 = Avx512F.FusedMultiplyAdd(b, z2, a22);
            if (TWidth.Count > 3) a23 = Avx512F.FusedMultiplyAdd(b, z3, a23);
            b = Vector512.Create(s3[t]);
            a30 = Avx512F.FusedMultiplyAdd(b, z0, a30);
            if (TWidth.Count > 1) a31 = Avx512F.FusedMultiplyAdd(b, z1, a31);
            if (TWidth.Count > 2) a32 = Avx512F.FusedMultiplyAdd(b, z2, a32);
            if (TWidth.Count > 3) a33 = Avx512F.FusedMultiplyAdd(b, z3, a33);
        }
        AddRow<TWidth>(target, a00, a01, a02, a03);
        AddRow<TWidth>(target + ldz, a10, a11, a12, a13);
        AddRow<TWidth>(target + 2 * ldz, a20, a21, a22, a23);
        AddRow<TWidth>(target + 3 * ldz, a30, a31, a32, a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TWidth>(float* target, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
        where TWidth : struct, IVectorCount
    {
        Add(target, a0);
        if (TWidth.Count > 1) Add(target + Lanes, a1);
        if (TWidth.Count > 2) Add(target + 2 * Lanes, a2);
        if (TWidth.Count > 3) Add(target + 3 * Lanes, a3);
    }

    /// <summary>How many vectors of lanes a weight-gradient micro-tile spans, as a type so each width compiles apart.</summary>
    private interface IVectorCount
    {
        static abstract int Count { get; }
    }

    private readonly struct OneVectorWide : IVectorCount { public static int Count => 1; }
    private readonly struct TwoVectorsWide : IVectorCount { public static int Count => 2; }
    private readonly struct ThreeVectors : IVectorCount { public static int Count => 3; }
    private readonly struct FourVectors : IVectorCount { public static int Count => 4; }
}
