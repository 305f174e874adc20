using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// The weight gradient of a stride-1 convolution over few input channels (a grey or RGB first layer), computed directly:
/// dW[o, c, kh, kw] += the sum over output pixels of dOutput[o, y, x] * padded[c, y + kh, x + kw], with vectors along
/// each output row and the padded image read in place. The patch-packing path puts K = C*KH*KW on the micro-tile's
/// rows, which for such layers is smaller than the tile (25 of 32 on LeNet's first layer, with half the columns empty
/// at 16 output channels) and moves 25 floats of patches per pixel through the cache. A tile of
/// <typeparamref name="TRows"/> output channels by <typeparamref name="TTaps"/> taps of one kernel row stays in
/// registers over every image of the call; the last, partial vector of a row is read ending at the row's end, with the
/// lanes already counted zeroed.
/// </summary>
internal static unsafe class ShallowWeightGradient<TRows, TTaps, TSimd, TVector>
    where TRows : struct, ITileRows
    where TTaps : struct, ITileRows
    where TSimd : struct, ISimd<TVector>
    where TVector : struct
{
    /// <summary>
    /// partial[((c * KH + kh) * KW + kw) * ldp + o] += the gradient over <paramref name="images"/> padded images and their
    /// dOutput (images, O, OH, OW). Requires stride 1, KW = TTaps.Count and OW at least one vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(in PatchGeometry g, float* padded, float* dOutput, int images, float* partial, int ldp)
    {
        int w = TSimd.Count, o = g.OutChannels, oh = g.OutHeight, ow = g.OutWidth, pw = g.PaddedWidth;
        int plane = g.PaddedHeight * pw, pixels = oh * ow, tail = ow % w;
        float* table = stackalloc float[2 * w];
        for (int i = 0; i < w; i++)
        {
            table[i] = 0f;
            table[w + i] = 1f;
        }
        // Zero in the first w - tail lanes: the part of the row's last vector that the previous vector already covered.
        TVector mask = TSimd.Load(table + tail);
        for (int o0 = 0; o0 < o; o0 += TRows.Count)
        {
            // Rows past O read the last channel again; their sums are dropped.
            nint rowStep1 = (nint)Math.Min(1, o - 1 - o0) * pixels, rowStep2 = (nint)Math.Min(2, o - 1 - o0) * pixels;
            nint rowStep3 = (nint)Math.Min(3, o - 1 - o0) * pixels;
            for (int c = 0; c < g.Channels; c++)
            {
                for (int kh = 0; kh < g.KernelHeight; kh++)
                    Tile(g, padded + (long)c * plane + (long)kh * pw, dOutput + (long)o0 * pixels, images, mask, tail,
                        rowStep1, rowStep2, rowStep3, partial + (long)((c * g.KernelHeight + kh) * TTaps.Count) * ldp, ldp, o0, o);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(in PatchGeometry g, float* source, float* gradient, int images, TVector mask, int tail,
        nint rowStep1, nint rowStep2, nint rowStep3, float* partial, int ldp, int o0, int o)
    {
        int w = TSimd.Count, oh = g.OutHeight, ow = g.OutWidth, pw = g.PaddedWidth;
        long sourceImage = g.PaddedImage, gradientImage = (long)g.OutChannels * oh * ow;
        TVector a00 = TSimd.Zero, a01 = TSimd.Zero, a02 = TSimd.Zero, a03 = TSimd.Zero, a04 = TSimd.Zero, a05 = TSimd.Zero, a06 = TSimd.Zero;
        TVector a10 = TSimd.Zero, a11 = TSimd.Zero, a12 = TSimd.Zero, a13 = TSimd.Zero, a14 = TSimd.Zero, a15 = TSimd.Zero, a16 = TSimd.Zero;
        TVector a20 = TSimd.Zero, a21 = TSimd.Zero, a22 = TSimd.Zero, a23 = TSimd.Zero, a24 = TSimd.Zero, a25 = TSimd.Zero, a26 = TSimd.Zero;
        TVector a30 = TSimd.Zero, a31 = TSimd.Zero, a32 = TSimd.Zero, a33 = TSimd.Zero, a34 = TSimd.Zero, a35 = TSimd.Zero, a36 = TSimd.Zero;
        for (int image = 0; image < images; image++)
        {
            for (int y = 0; y < oh; y++)
            {
                float* rowSource = source + image * sourceImage + (long)y * pw;
                float* rowGradient = gradient + image * gradientImage + (long)y * ow;
                for (int x0 = 0; ; x0 += w)
                {
                    bool masked = x0 + w > ow;
                    if (masked)
                    {
                        if (tail == 0)
                            break;
                        x0 = ow - w;
                    }
                    float* s = rowSource + x0, d = rowGradient + x0;
                    TVector d0 = TSimd.Load(d);
                    TVector d1 = TRows.Count > 1 ? TSimd.Load(d + rowStep1) : default;
                    TVector d2 = TRows.Count > 2 ? TSimd.Load(d + rowStep2) : default;
                    TVector d3 = TRows.Count > 3 ? TSimd.Load(d + rowStep3) : default;
                    if (masked)
                    {
                        d0 = TSimd.Multiply(d0, mask);
                        if (TRows.Count > 1) d1 = TSimd.Multiply(d1, mask);
                        if (TRows.Count > 2) d2 = TSimd.Multiply(d2, mask);
                        if (TRows.Count > 3) d3 = TSimd.Multiply(d3, mask);
                    }
                    {
                        TVector x = TSimd.Load(s + 0);
                        a00 = TSimd.MultiplyAdd(d0, x, a00);
                        if (TRows.Count > 1) a10 = TSimd.MultiplyAdd(d1, x, a10);
                        if (TRows.Count > 2) a20 = TSimd.MultiplyAdd(d2, x, a20);
                        if (TRows.Count > 3) a30 = TSimd.MultiplyAdd(d3, x, a30);
                    }
                    if (TTaps.Count > 1)
                    {
                        TVector x = TSimd.Load(s + 1);
                        a01 = TSimd.MultiplyAdd(d0, x, a01);
                        if (TRows.Count > 1) a11 = TSimd.MultiplyAdd(d1, x, a11);
                        if (TRows.Count > 2) a21 = TSimd.MultiplyAdd(d2, x, a21);
                        if (TRows.Count > 3) a31 = TSimd.MultiplyAdd(d3, x, a31);
                    }
                    if (TTaps.Count > 2)
                    {
                        TVector x = TSimd.Load(s + 2);
                        a02 = TSimd.MultiplyAdd(d0, x, a02);
                        if (TRows.Count > 1) a12 = TSimd.MultiplyAdd(d1, x, a12);
                        if (TRows.Count > 2) a22 = TSimd.MultiplyAdd(d2, x, a22);
                        if (TRows.Count > 3) a32 = TSimd.MultiplyAdd(d3, x, a32);
                    }
                    if (TTaps.Count > 3)
                    {
                        TVector x = TSimd.Load(s + 3);
                        a03 = TSimd.MultiplyAdd(d0, x, a03);
                        if (TRows.Count > 1) a13 = TSimd.MultiplyAdd(d1, x, a13);
                        if (TRows.Count > 2) a23 = TSimd.MultiplyAdd(d2, x, a23);
                        if (TRows.Count > 3) a33 = TSimd.MultiplyAdd(d3, x, a33);
                    }
                    if (TTaps.Count > 4)
                    {
                        TVector x = TSimd.Load(s + 4);
                        a04 = TSimd.MultiplyAdd(d0, x, a04);
                        if (TRows.Count > 1) a14 = TSimd.MultiplyAdd(d1, x, a14);
                        if (TRows.Count > 2) a24 = TSimd.MultiplyAdd(d2, x, a24);
                        if (TRows.Count > 3) a34 = TSimd.MultiplyAdd(d3, x, a34);
                    }
                    if (TTaps.Count > 5)
                    {
                        TVector x = TSimd.Load(s + 5);
                        a05 = TSimd.MultiplyAdd(d0, x, a05);
                        if (TRows.Count > 1) a15 = TSimd.MultiplyAdd(d1, x, a15);
                        if (TRows.Count > 2) a25 = TSimd.MultiplyAdd(d2, x, a25);
                        if (TRows.Count > 3) a35 = TSimd.MultiplyAdd(d3, x, a35);
                    }
                    if (TTaps.Count > 6)
                    {
                        TVector x = TSimd.Load(s + 6);
                        a06 = TSimd.MultiplyAdd(d0, x, a06);
                        if (TRows.Count > 1) a16 = TSimd.MultiplyAdd(d1, x, a16);
                        if (TRows.Count > 2) a26 = TSimd.MultiplyAdd(d2, x, a26);
                        if (TRows.Count > 3) a36 = TSimd.MultiplyAdd(d3, x, a36);
                    }
                    if (masked || x0 + w == ow)
                        break;
                }
            }
        }
        // The sums go to memory before any call: accumulators live across a call would be spilled on every iteration.
        float* lanes = stackalloc float[4 * 7 * w];
        if (true) TSimd.Store(a00, lanes + 0 * w);
        if (TTaps.Count > 1) TSimd.Store(a01, lanes + 1 * w);
        if (TTaps.Count > 2) TSimd.Store(a02, lanes + 2 * w);
        if (TTaps.Count > 3) TSimd.Store(a03, lanes + 3 * w);
        if (TTaps.Count > 4) TSimd.Store(a04, lanes + 4 * w);
        if (TTaps.Count > 5) TSimd.Store(a05, lanes + 5 * w);
        if (TTaps.Count > 6) TSimd.Store(a06, lanes + 6 * w);
        if (TRows.Count > 1) TSimd.Store(a10, lanes + 7 * w);
        if (TRows.Count > 1 && TTaps.Count > 1) TSimd.Store(a11, lanes + 8 * w);
        if (TRows.Count > 1 && TTaps.Count > 2) TSimd.Store(a12, lanes + 9 * w);
        if (TRows.Count > 1 && TTaps.Count > 3) TSimd.Store(a13, lanes + 10 * w);
        if (TRows.Count > 1 && TTaps.Count > 4) TSimd.Store(a14, lanes + 11 * w);
        if (TRows.Count > 1 && TTaps.Count > 5) TSimd.Store(a15, lanes + 12 * w);
        if (TRows.Count > 1 && TTaps.Count > 6) TSimd.Store(a16, lanes + 13 * w);
        if (TRows.Count > 2) TSimd.Store(a20, lanes + 14 * w);
        if (TRows.Count > 2 && TTaps.Count > 1) TSimd.Store(a21, lanes + 15 * w);
        if (TRows.Count > 2 && TTaps.Count > 2) TSimd.Store(a22, lanes + 16 * w);
        if (TRows.Count > 2 && TTaps.Count > 3) TSimd.Store(a23, lanes + 17 * w);
        if (TRows.Count > 2 && TTaps.Count > 4) TSimd.Store(a24, lanes + 18 * w);
        if (TRows.Count > 2 && TTaps.Count > 5) TSimd.Store(a25, lanes + 19 * w);
        if (TRows.Count > 2 && TTaps.Count > 6) TSimd.Store(a26, lanes + 20 * w);
        if (TRows.Count > 3) TSimd.Store(a30, lanes + 21 * w);
        if (TRows.Count > 3 && TTaps.Count > 1) TSimd.Store(a31, lanes + 22 * w);
        if (TRows.Count > 3 && TTaps.Count > 2) TSimd.Store(a32, lanes + 23 * w);
        if (TRows.Count > 3 && TTaps.Count > 3) TSimd.Store(a33, lanes + 24 * w);
        if (TRows.Count > 3 && TTaps.Count > 4) TSimd.Store(a34, lanes + 25 * w);
        if (TRows.Count > 3 && TTaps.Count > 5) TSimd.Store(a35, lanes + 26 * w);
        if (TRows.Count > 3 && TTaps.Count > 6) TSimd.Store(a36, lanes + 27 * w);
        for (int r = 0; r < TRows.Count && o0 + r < o; r++)
        {
            for (int t = 0; t < TTaps.Count; t++)
            {
                float total = 0f;
                for (int i = 0; i < w; i++)
                    total += lanes[(r * 7 + t) * w + i];
                partial[(long)t * ldp + o0 + r] += total;
            }
        }
    }
}

/// <summary>Picks the <see cref="ShallowWeightGradient{TRows, TTaps, TSimd, TVector}"/> instantiation for a layer.</summary>
internal static unsafe class ShallowWeightGradient
{
    /// <summary>Whether the direct path applies: <see cref="ShallowConvolution.Applies"/> and a kernel row of 1 to 7.</summary>
    public static bool Applies(in PatchGeometry g, int vectorLanes) =>
        ShallowConvolution.Applies(g, vectorLanes) && g.KernelWidth is >= 1 and <= 7;

    /// <summary>Runs <see cref="ShallowWeightGradient{TRows, TTaps, TSimd, TVector}.Accumulate"/> for the layer's kernel width.</summary>
    public static void Accumulate<TRows, TSimd, TVector>(in PatchGeometry g, float* padded, float* dOutput, int images, float* partial, int ldp)
        where TRows : struct, ITileRows
        where TSimd : struct, ISimd<TVector>
        where TVector : struct
    {
        switch (g.KernelWidth)
        {
            case 1: ShallowWeightGradient<TRows, OneTap, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
            case 2: ShallowWeightGradient<TRows, TwoTaps, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
            case 3: ShallowWeightGradient<TRows, ThreeTaps, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
            case 4: ShallowWeightGradient<TRows, FourTaps, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
            case 5: ShallowWeightGradient<TRows, FiveTaps, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
            case 6: ShallowWeightGradient<TRows, SixTaps, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
            default: ShallowWeightGradient<TRows, SevenTaps, TSimd, TVector>.Accumulate(g, padded, dOutput, images, partial, ldp); break;
        }
    }
}
