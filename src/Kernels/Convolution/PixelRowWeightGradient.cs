using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// The weight gradient of a stride-1 convolution on AVX-512 with output channels in the lanes, the counterpart of
/// <see cref="PixelRowConvolution"/>: each image's dOutput is transposed once to pixel-major rows of O, and for every
/// kernel row (c, ky) a tile of KW taps x 32 (or 16) channels sums, over the image's pixels, the tap values broadcast
/// straight from the padded image (KW consecutive floats of one padded row) times the pixel's dOutput row. Nothing is
/// packed per pixel block, where the implicit GEMM moved K = C*KH*KW floats of patches per pixel through the cache.
/// </summary>
internal static unsafe class PixelRowWeightGradient<TTaps>
    where TTaps : struct, ITileRows
{
    private const int Lanes = PixelRowConvolution.Lanes;

    /// <summary>
    /// partial[((c * KH + ky) * KW + kx) * ldp + o] += the gradient over <paramref name="images"/> padded images and their
    /// dOutput (images, O, OH, OW); <paramref name="rows"/> holds <see cref="PixelRowWeightGradient.RowsSize"/> floats, 64-byte aligned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(in PatchGeometry g, float* padded, float* dOutput, int images, float* partial, int ldp, float* rows)
    {
        int o = g.OutChannels, ldw = PixelRowConvolution.ChannelStride(o), oh = g.OutHeight, ow = g.OutWidth, wp = g.PaddedWidth;
        int pixels = g.OutPixels, kh = g.KernelHeight;
        long plane = (long)g.PaddedHeight * wp;
        for (int image = 0; image < images; image++)
        {
            PixelRowWeightGradient.Transpose(dOutput + (long)image * o * pixels, o, pixels, ldw, rows);
            float* source = padded + (long)image * g.PaddedImage;
            for (int c = 0; c < g.Channels; c++)
            {
                for (int ky = 0; ky < kh; ky++)
                {
                    float* kernelRow = source + c * plane + (long)ky * wp;
                    float* target = partial + (long)((c * kh + ky) * TTaps.Count) * ldp;
                    int o0 = 0;
                    for (; o0 + 2 * Lanes <= ldw; o0 += 2 * Lanes)
                        TwoVectors(kernelRow, wp, oh, ow, rows + o0, ldw, target + o0, ldp);
                    if (o0 < ldw)
                        OneVector(kernelRow, wp, oh, ow, rows + o0, ldw, target + o0, ldp);
                }
            }
        }
    }

    /// <summary>KW taps x 32 channels over every pixel: up to 14 accumulators, 2 loads of dOutput and KW broadcasts per pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoVectors(float* kernelRow, int wp, int oh, int ow, float* rows, int ldw, float* target, int ldp)
    {
        Vector512<float> a00 = Vector512<float>.Zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        Vector512<float> a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00;
        for (int y = 0; y < oh; y++)
        {
            float* s = kernelRow + (long)y * wp;
            float* d = rows + (long)y * ow * ldw;
            for (int x = 0; x < ow; x++, s++, d += ldw)
            {
                Vector512<float> d0 = Vector512.Load(d), d1 = Vector512.Load(d + Lanes);
                Vector512<float> v = Vector512.Create(s[0]);
                a00 = Avx512F.FusedMultiplyAdd(v, d0, a00);
                a01 = Avx512F.FusedMultiplyAdd(v, d1, a01);
                if (TTaps.Count > 1)
                {
                    v = Vector512.Create(s[1]);
                    a10 = Avx512F.FusedMultiplyAdd(v, d0, a10);
                    a11 = Avx512F.FusedMultiplyAdd(v, d1, a11);
                }
                if (TTaps.Count > 2)
                {
                    v = Vector512.Create(s[2]);
                    a20 = Avx512F.FusedMultiplyAdd(v, d0, a20);
                    a21 = Avx512F.FusedMultiplyAdd(v, d1, a21);
                }
                if (TTaps.Count > 3)
                {
                    v = Vector512.Create(s[3]);
                    a30 = Avx512F.FusedMultiplyAdd(v, d0, a30);
                    a31 = Avx512F.FusedMultiplyAdd(v, d1, a31);
                }
                if (TTaps.Count > 4)
                {
                    v = Vector512.Create(s[4]);
                    a40 = Avx512F.FusedMultiplyAdd(v, d0, a40);
                    a41 = Avx512F.FusedMultiplyAdd(v, d1, a41);
                }
                if (TTaps.Count > 5)
                {
                    v = Vector512.Create(s[5]);
                    a50 = Avx512F.FusedMultiplyAdd(v, d0, a50);
                    a51 = Avx512F.FusedMultiplyAdd(v, d1, a51);
                }
                if (TTaps.Count > 6)
                {
                    v = Vector512.Create(s[6]);
                    a60 = Avx512F.FusedMultiplyAdd(v, d0, a60);
                    a61 = Avx512F.FusedMultiplyAdd(v, d1, a61);
                }
            }
        }
        Add(target, a00, a01);
        if (TTaps.Count > 1) Add(target + ldp, a10, a11);
        if (TTaps.Count > 2) Add(target + 2 * ldp, a20, a21);
        if (TTaps.Count > 3) Add(target + 3 * ldp, a30, a31);
        if (TTaps.Count > 4) Add(target + 4 * ldp, a40, a41);
        if (TTaps.Count > 5) Add(target + 5 * ldp, a50, a51);
        if (TTaps.Count > 6) Add(target + 6 * ldp, a60, a61);
    }

    /// <summary>KW taps x 16 channels over every pixel, as <see cref="TwoVectors"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneVector(float* kernelRow, int wp, int oh, int ow, float* rows, int ldw, float* target, int ldp)
    {
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
        for (int y = 0; y < oh; y++)
        {
            float* s = kernelRow + (long)y * wp;
            float* d = rows + (long)y * ow * ldw;
            for (int x = 0; x < ow; x++, s++, d += ldw)
            {
                Vector512<float> d0 = Vector512.Load(d);
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[0]), d0, a0);
                if (TTaps.Count > 1) a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[1]), d0, a1);
                if (TTaps.Count > 2) a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[2]), d0, a2);
                if (TTaps.Count > 3) a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[3]), d0, a3);
                if (TTaps.Count > 4) a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[4]), d0, a4);
                if (TTaps.Count > 5) a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[5]), d0, a5);
                if (TTaps.Count > 6) a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[6]), d0, a6);
            }
        }
        Add(target, a0);
        if (TTaps.Count > 1) Add(target + ldp, a1);
        if (TTaps.Count > 2) Add(target + 2 * ldp, a2);
        if (TTaps.Count > 3) Add(target + 3 * ldp, a3);
        if (TTaps.Count > 4) Add(target + 4 * ldp, a4);
        if (TTaps.Count > 5) Add(target + 5 * ldp, a5);
        if (TTaps.Count > 6) Add(target + 6 * ldp, a6);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* target, Vector512<float> low, Vector512<float> high)
    {
        Add(target, low);
        Add(target + Lanes, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* target, Vector512<float> sum) => Vector512.Store(Vector512.Load(target) + sum, target);
}

/// <summary>When <see cref="PixelRowWeightGradient{TTaps}"/> applies, and its instantiation for a layer.</summary>
internal static unsafe class PixelRowWeightGradient
{
    /// <summary>
    /// Stride 1 and a kernel row of 1 to 7 on an AVX-512 machine, with more input channels than the shallow kernels take
    /// (those keep their vectors along the output rows).
    /// </summary>
    public static bool Applies(in PatchGeometry g) => Avx512F.IsSupported && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.KernelWidth is >= 1 and <= 7;

    /// <summary>Floats of one image's dOutput in pixel-major rows.</summary>
    public static int RowsSize(in PatchGeometry g) => g.OutPixels * PixelRowConvolution.ChannelStride(g.OutChannels);

    /// <summary>Runs <see cref="PixelRowWeightGradient{TTaps}.Accumulate"/> for the layer's kernel width.</summary>
    public static void Accumulate(in PatchGeometry g, float* padded, float* dOutput, int images, float* partial, int ldp, float* rows)
    {
        switch (g.KernelWidth)
        {
            case 1: PixelRowWeightGradient<OneTap>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
            case 2: PixelRowWeightGradient<TwoTaps>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
            case 3: PixelRowWeightGradient<ThreeTaps>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
            case 4: PixelRowWeightGradient<FourTaps>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
            case 5: PixelRowWeightGradient<FiveTaps>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
            case 6: PixelRowWeightGradient<SixTaps>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
            default: PixelRowWeightGradient<SevenTaps>.Accumulate(g, padded, dOutput, images, partial, ldp, rows); break;
        }
    }

    /// <summary>rows[p * ldw + j] := gradient[j * pixels + p] (zero for j past O).</summary>
    public static void Transpose(float* gradient, int o, int pixels, int ldw, float* rows)
    {
        Transpose8x8.Matrix(gradient, pixels, o, pixels, rows, ldw);
        for (int p = 0; p < pixels; p++)
            new Span<float>(rows + (long)p * ldw + o, ldw - o).Clear();
    }
}
