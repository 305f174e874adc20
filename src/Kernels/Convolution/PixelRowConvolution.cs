using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// Stride-1 convolution (forward, or backward data through <see cref="PatchGeometry.BackwardData"/>) as a direct
/// AVX-512 kernel with pixels on the tile's rows and output channels in the vector lanes: a tile is 7 consecutive
/// pixels of one output row (or of two rows when there are only 16 channels) by 32 (or 16) channels, and its A values are
/// broadcast straight from the padded image, because at stride 1 the 7 pixels' taps are 7 consecutive floats of one padded
/// row. So nothing is packed per tile (the implicit GEMM spent a quarter of its time packing patches on LeNet's second
/// layer); the weights are packed once per call, (K, O) by rows, and the pixel-major tiles are turned into the NCHW
/// output by 8x8 transposes once per image. A row's last tile overlaps the previous one (same values, same places).
/// </summary>
internal static unsafe class PixelRowConvolution
{
    /// <summary>Pixels per tile row.</summary>
    private const int Pixels = 7;

    /// <summary>Channels per vector.</summary>
    internal const int Lanes = 16;

    /// <summary>Stride 1 with output rows of at least one tile and at least two of them, on an AVX-512 machine.</summary>
    public static bool Applies(in PatchGeometry g) => Avx512F.IsSupported && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.OutWidth >= Pixels && g.OutHeight >= 2;

    /// <summary>Row stride of the packed weights and of the pixel-major tiles: O rounded up to whole vectors.</summary>
    public static int ChannelStride(int outChannels) => (outChannels + Lanes - 1) / Lanes * Lanes;

    /// <summary>Floats of the packed weights (K rows of <see cref="ChannelStride"/>).</summary>
    public static int PackedWeightsSize(in PatchGeometry g) => g.Depth * ChannelStride(g.OutChannels);

    /// <summary>Floats of one image's pixel-major output plus the padded bias.</summary>
    public static int TileBufferSize(in PatchGeometry g) => (g.OutPixels + 1) * ChannelStride(g.OutChannels);

    /// <summary>
    /// packed[k * ldw + m] := A[m, k] (zero for m past M): the weights forward, or for backward data the weight of output
    /// channel k / taps, input channel m, at the flipped tap.
    /// </summary>
    public static void PackWeights(in PatchGeometry g, float* weights, bool flipped, float* packed)
    {
        int m = g.OutChannels, k = g.Depth, taps = g.KernelHeight * g.KernelWidth, ldw = ChannelStride(m);
        for (int depth = 0; depth < k; depth++)
        {
            int source = depth / taps, tap = depth - source * taps;
            float* row = packed + (long)depth * ldw;
            for (int r = 0; r < ldw; r++)
                row[r] = r >= m ? 0f : flipped ? weights[(source * m + r) * taps + taps - 1 - tap] : weights[(long)r * k + depth];
        }
    }

    /// <summary>
    /// target (images, M, OH, OW) := the convolution of <paramref name="images"/> padded images with the packed weights,
    /// plus bias (zeros when null), then max(0, .) when <paramref name="relu"/>. <paramref name="buffer"/> holds
    /// <see cref="TileBufferSize"/> floats, 64-byte aligned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in PatchGeometry g, float* padded, int images, float* packed, float* biasOrNull, float* buffer,
        float* target, bool relu)
    {
        int m = g.OutChannels, ldw = ChannelStride(m), oh = g.OutHeight, ow = g.OutWidth, wp = g.PaddedWidth;
        int pixels = g.OutPixels, channels = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        long sourcePlane = (long)g.PaddedHeight * wp;
        float* tiles = buffer, bias = buffer + (long)pixels * ldw;
        for (int j = 0; j < ldw; j++)
            bias[j] = biasOrNull != null && j < m ? biasOrNull[j] : 0f;
        for (int image = 0; image < images; image++)
        {
            float* source = padded + (long)image * g.PaddedImage;
            int o0 = 0;
            for (; o0 + 2 * Lanes <= ldw; o0 += 2 * Lanes)
            {
                for (int y = 0; y < oh; y++)
                for (int x = 0; ; x += Pixels)
                {
                    int at = Math.Min(x, ow - Pixels);
                    TwoVectors(source + (long)y * wp + at, sourcePlane, channels, kh, kw, wp, packed + o0, ldw, bias + o0, relu,
                        tiles + (long)(y * ow + at) * ldw + o0, ldw);
                    if (at == ow - Pixels)
                        break;
                }
            }
            if (o0 < ldw)
            {
                for (int y = 0; ; y += 2)
                {
                    int row = Math.Min(y, oh - 2);
                    for (int x = 0; ; x += Pixels)
                    {
                        int at = Math.Min(x, ow - Pixels);
                        OneVectorTwoRows(source + (long)row * wp + at, sourcePlane, channels, kh, kw, wp, packed + o0, ldw, bias + o0, relu,
                            tiles + (long)(row * ow + at) * ldw + o0, ldw, (long)ow * ldw);
                        if (at == ow - Pixels)
                            break;
                    }
                    if (row == oh - 2)
                        break;
                }
            }
            // target[m, p] := tiles[p, m] for m below M.
            Gemm.Transpose8x8.Matrix(tiles, ldw, pixels, m, target + (long)image * m * pixels, pixels);
        }
    }

    /// <summary>
    /// 7 pixels x 32 channels: 14 accumulators, 2 weight loads and 7 broadcasts per tap. With a 1x1 kernel it is a plain
    /// 7-row product over <paramref name="channels"/> rows <paramref name="sourcePlane"/> apart (Winograd's products).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TwoVectors(float* source, long sourcePlane, int channels, int kh, int kw, int wp, float* w, int ldw,
        float* bias, bool relu, float* dst, int ldd)
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        Vector512<float> c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00;
        for (int c = 0; c < channels; c++, source += sourcePlane)
        {
            for (int ky = 0; ky < kh; ky++)
            {
                float* s = source + ky * wp;
                for (int kx = 0; kx < kw; kx++, s++, w += ldw)
                {
                    Vector512<float> b0 = Vector512.Load(w), b1 = Vector512.Load(w + Lanes);
                    Vector512<float> a = Vector512.Create(s[0]);
                    c00 = Avx512F.FusedMultiplyAdd(a, b0, c00);
                    c01 = Avx512F.FusedMultiplyAdd(a, b1, c01);
                    a = Vector512.Create(s[1]);
                    c10 = Avx512F.FusedMultiplyAdd(a, b0, c10);
                    c11 = Avx512F.FusedMultiplyAdd(a, b1, c11);
                    a = Vector512.Create(s[2]);
                    c20 = Avx512F.FusedMultiplyAdd(a, b0, c20);
                    c21 = Avx512F.FusedMultiplyAdd(a, b1, c21);
                    a = Vector512.Create(s[3]);
                    c30 = Avx512F.FusedMultiplyAdd(a, b0, c30);
                    c31 = Avx512F.FusedMultiplyAdd(a, b1, c31);
                    a = Vector512.Create(s[4]);
                    c40 = Avx512F.FusedMultiplyAdd(a, b0, c40);
                    c41 = Avx512F.FusedMultiplyAdd(a, b1, c41);
                    a = Vector512.Create(s[5]);
                    c50 = Avx512F.FusedMultiplyAdd(a, b0, c50);
                    c51 = Avx512F.FusedMultiplyAdd(a, b1, c51);
                    a = Vector512.Create(s[6]);
                    c60 = Avx512F.FusedMultiplyAdd(a, b0, c60);
                    c61 = Avx512F.FusedMultiplyAdd(a, b1, c61);
                }
            }
        }
        Vector512<float> bias0 = Vector512.Load(bias), bias1 = Vector512.Load(bias + Lanes);
        Store(c00, c01, bias0, bias1, relu, dst);
        Store(c10, c11, bias0, bias1, relu, dst + ldd);
        Store(c20, c21, bias0, bias1, relu, dst + 2 * ldd);
        Store(c30, c31, bias0, bias1, relu, dst + 3 * ldd);
        Store(c40, c41, bias0, bias1, relu, dst + 4 * ldd);
        Store(c50, c51, bias0, bias1, relu, dst + 5 * ldd);
        Store(c60, c61, bias0, bias1, relu, dst + 6 * ldd);
    }

    /// <summary>7 pixels of two rows x 16 channels: 14 accumulators, 1 weight load and 14 broadcasts per tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneVectorTwoRows(float* source, long sourcePlane, int channels, int kh, int kw, int wp, float* w, int ldw,
        float* bias, bool relu, float* dst, int ldd, long nextRow)
    {
        Vector512<float> c00 = Vector512<float>.Zero, c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00;
        Vector512<float> d00 = c00, d10 = c00, d20 = c00, d30 = c00, d40 = c00, d50 = c00, d60 = c00;
        for (int c = 0; c < channels; c++, source += sourcePlane)
        {
            for (int ky = 0; ky < kh; ky++)
            {
                float* s = source + ky * wp;
                for (int kx = 0; kx < kw; kx++, s++, w += ldw)
                {
                    Vector512<float> b = Vector512.Load(w);
                    float* t = s + wp;
                    c00 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[0]), b, c00);
                    d00 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[0]), b, d00);
                    c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[1]), b, c10);
                    d10 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[1]), b, d10);
                    c20 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[2]), b, c20);
                    d20 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[2]), b, d20);
                    c30 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[3]), b, c30);
                    d30 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[3]), b, d30);
                    c40 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[4]), b, c40);
                    d40 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[4]), b, d40);
                    c50 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[5]), b, c50);
                    d50 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[5]), b, d50);
                    c60 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[6]), b, c60);
                    d60 = Avx512F.FusedMultiplyAdd(Vector512.Create(t[6]), b, d60);
                }
            }
        }
        Vector512<float> bias0 = Vector512.Load(bias);
        float* next = dst + nextRow;
        Store(c00, bias0, relu, dst);
        Store(c10, bias0, relu, dst + ldd);
        Store(c20, bias0, relu, dst + 2 * ldd);
        Store(c30, bias0, relu, dst + 3 * ldd);
        Store(c40, bias0, relu, dst + 4 * ldd);
        Store(c50, bias0, relu, dst + 5 * ldd);
        Store(c60, bias0, relu, dst + 6 * ldd);
        Store(d00, bias0, relu, next);
        Store(d10, bias0, relu, next + ldd);
        Store(d20, bias0, relu, next + 2 * ldd);
        Store(d30, bias0, relu, next + 3 * ldd);
        Store(d40, bias0, relu, next + 4 * ldd);
        Store(d50, bias0, relu, next + 5 * ldd);
        Store(d60, bias0, relu, next + 6 * ldd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> low, Vector512<float> high, Vector512<float> bias0, Vector512<float> bias1, bool relu, float* dst)
    {
        Store(low, bias0, relu, dst);
        Store(high, bias1, relu, dst + Lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> sum, Vector512<float> bias, bool relu, float* dst)
    {
        Vector512<float> v = sum + bias;
        Vector512.Store(relu ? Vector512.Max(v, Vector512<float>.Zero) : v, dst);
    }
}
