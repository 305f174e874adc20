using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// The forward pass of a stride-1 convolution over few input channels (a grey or RGB first layer), computed directly:
/// a tile of <typeparamref name="TRows"/> output channels by two vectors of one output row is accumulated over every
/// tap, with the weights broadcast and the padded image read in place. The implicit GEMM's K = C*KH*KW is that tap
/// count (25 on LeNet's first layer), too short a depth to hide its packing and tile stores. The second vector of a row
/// ends at the row's end when the row is not a whole number of vectors, overlapping the first; both store the same values.
/// </summary>
internal static unsafe class ShallowConvolution<TRows, TSimd, TVector>
    where TRows : struct, ITileRows
    where TSimd : struct, ISimd<TVector>
    where TVector : struct
{
    /// <summary>
    /// target (images, O, OH, OW) := the convolution of <paramref name="images"/> padded images plus bias (zeros when
    /// null), then max(0, .) when <paramref name="relu"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in PatchGeometry g, float* padded, int images, float* weights, float* biasOrNull, float* target, bool relu)
    {
        int w = TSimd.Count, o = g.OutChannels, oh = g.OutHeight, ow = g.OutWidth, pw = g.PaddedWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, filter = g.Depth, channels = g.Channels;
        long plane = (long)oh * ow, sourcePlane = (long)g.PaddedHeight * pw;
        float* zeros = stackalloc float[o];
        new Span<float>(zeros, o).Clear();
        float* bias = biasOrNull != null ? biasOrNull : zeros;
        for (int image = 0; image < images; image++)
        {
            float* source = padded + (long)image * g.PaddedImage;
            for (int o0 = 0; o0 < o; o0 += TRows.Count)
            {
                // Rows past O repeat the last channel's weights; they are not stored.
                int last = o - 1 - o0;
                float* filters = weights + (long)o0 * filter;
                for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x += 2 * w)
                {
                    int xa = Math.Min(x, ow - w), xb = Math.Min(xa + w, ow - w);
                    TVector c00 = TSimd.Broadcast(bias[Math.Min(o0 + 0, o - 1)]), c01 = c00;
                    TVector c10 = TSimd.Broadcast(bias[Math.Min(o0 + 1, o - 1)]), c11 = c10;
                    TVector c20 = TSimd.Broadcast(bias[Math.Min(o0 + 2, o - 1)]), c21 = c20;
                    TVector c30 = TSimd.Broadcast(bias[Math.Min(o0 + 3, o - 1)]), c31 = c30;
                    TVector c40 = TSimd.Broadcast(bias[Math.Min(o0 + 4, o - 1)]), c41 = c40;
                    TVector c50 = TSimd.Broadcast(bias[Math.Min(o0 + 5, o - 1)]), c51 = c50;
                    TVector c60 = TSimd.Broadcast(bias[Math.Min(o0 + 6, o - 1)]), c61 = c60;
                    TVector c70 = TSimd.Broadcast(bias[Math.Min(o0 + 7, o - 1)]), c71 = c70;
                    for (int c = 0; c < channels; c++)
                    {
                        for (int i = 0; i < kh; i++)
                        {
                            float* line = source + c * sourcePlane + (long)(y + i) * pw;
                            float* taps = filters + (c * kh + i) * kw;
                            for (int j = 0; j < kw; j++)
                            {
                                TVector va = TSimd.Load(line + xa + j), vb = TSimd.Load(line + xb + j);
                                float* tap = taps + j;
                                    {
                                        TVector w0 = TSimd.Broadcast(tap[(long)Math.Min(0, last) * filter]);
                                        c00 = TSimd.MultiplyAdd(w0, va, c00);
                                        c01 = TSimd.MultiplyAdd(w0, vb, c01);
                                    }
                                    if (TRows.Count > 1)
                                    {
                                        TVector w1 = TSimd.Broadcast(tap[(long)Math.Min(1, last) * filter]);
                                        c10 = TSimd.MultiplyAdd(w1, va, c10);
                                        c11 = TSimd.MultiplyAdd(w1, vb, c11);
                                    }
                                    if (TRows.Count > 2)
                                    {
                                        TVector w2 = TSimd.Broadcast(tap[(long)Math.Min(2, last) * filter]);
                                        c20 = TSimd.MultiplyAdd(w2, va, c20);
                                        c21 = TSimd.MultiplyAdd(w2, vb, c21);
                                    }
                                    if (TRows.Count > 3)
                                    {
                                        TVector w3 = TSimd.Broadcast(tap[(long)Math.Min(3, last) * filter]);
                                        c30 = TSimd.MultiplyAdd(w3, va, c30);
                                        c31 = TSimd.MultiplyAdd(w3, vb, c31);
                                    }
                                    if (TRows.Count > 4)
                                    {
                                        TVector w4 = TSimd.Broadcast(tap[(long)Math.Min(4, last) * filter]);
                                        c40 = TSimd.MultiplyAdd(w4, va, c40);
                                        c41 = TSimd.MultiplyAdd(w4, vb, c41);
                                    }
                                    if (TRows.Count > 5)
                                    {
                                        TVector w5 = TSimd.Broadcast(tap[(long)Math.Min(5, last) * filter]);
                                        c50 = TSimd.MultiplyAdd(w5, va, c50);
                                        c51 = TSimd.MultiplyAdd(w5, vb, c51);
                                    }
                                    if (TRows.Count > 6)
                                    {
                                        TVector w6 = TSimd.Broadcast(tap[(long)Math.Min(6, last) * filter]);
                                        c60 = TSimd.MultiplyAdd(w6, va, c60);
                                        c61 = TSimd.MultiplyAdd(w6, vb, c61);
                                    }
                                    if (TRows.Count > 7)
                                    {
                                        TVector w7 = TSimd.Broadcast(tap[(long)Math.Min(7, last) * filter]);
                                        c70 = TSimd.MultiplyAdd(w7, va, c70);
                                        c71 = TSimd.MultiplyAdd(w7, vb, c71);
                                    }
                            }
                        }
                    }
                    float* row = target + ((long)image * o + o0) * plane + (long)y * ow;
                    if (relu)
                    {
                        c00 = TSimd.Max(c00, TSimd.Zero); c01 = TSimd.Max(c01, TSimd.Zero);
                        c10 = TSimd.Max(c10, TSimd.Zero); c11 = TSimd.Max(c11, TSimd.Zero);
                        c20 = TSimd.Max(c20, TSimd.Zero); c21 = TSimd.Max(c21, TSimd.Zero);
                        c30 = TSimd.Max(c30, TSimd.Zero); c31 = TSimd.Max(c31, TSimd.Zero);
                        c40 = TSimd.Max(c40, TSimd.Zero); c41 = TSimd.Max(c41, TSimd.Zero);
                        c50 = TSimd.Max(c50, TSimd.Zero); c51 = TSimd.Max(c51, TSimd.Zero);
                        c60 = TSimd.Max(c60, TSimd.Zero); c61 = TSimd.Max(c61, TSimd.Zero);
                        c70 = TSimd.Max(c70, TSimd.Zero); c71 = TSimd.Max(c71, TSimd.Zero);
                    }
                    if (o0 + 0 < o)
                    {
                        TSimd.Store(c00, row + (long)0 * plane + xa);
                        TSimd.Store(c01, row + (long)0 * plane + xb);
                    }
                    if (TRows.Count > 1 && o0 + 1 < o)
                    {
                        TSimd.Store(c10, row + (long)1 * plane + xa);
                        TSimd.Store(c11, row + (long)1 * plane + xb);
                    }
                    if (TRows.Count > 2 && o0 + 2 < o)
                    {
                        TSimd.Store(c20, row + (long)2 * plane + xa);
                        TSimd.Store(c21, row + (long)2 * plane + xb);
                    }
                    if (TRows.Count > 3 && o0 + 3 < o)
                    {
                        TSimd.Store(c30, row + (long)3 * plane + xa);
                        TSimd.Store(c31, row + (long)3 * plane + xb);
                    }
                    if (TRows.Count > 4 && o0 + 4 < o)
                    {
                        TSimd.Store(c40, row + (long)4 * plane + xa);
                        TSimd.Store(c41, row + (long)4 * plane + xb);
                    }
                    if (TRows.Count > 5 && o0 + 5 < o)
                    {
                        TSimd.Store(c50, row + (long)5 * plane + xa);
                        TSimd.Store(c51, row + (long)5 * plane + xb);
                    }
                    if (TRows.Count > 6 && o0 + 6 < o)
                    {
                        TSimd.Store(c60, row + (long)6 * plane + xa);
                        TSimd.Store(c61, row + (long)6 * plane + xb);
                    }
                    if (TRows.Count > 7 && o0 + 7 < o)
                    {
                        TSimd.Store(c70, row + (long)7 * plane + xa);
                        TSimd.Store(c71, row + (long)7 * plane + xb);
                    }
                }
            }
        }
    }
}

/// <summary>When the direct shallow-input kernels apply.</summary>
internal static class ShallowConvolution
{
    /// <summary>Most input channels the direct kernels take; deeper inputs fill the implicit GEMM's tiles.</summary>
    public const int MaxChannels = 4;

    /// <summary>Stride 1, at most <see cref="MaxChannels"/> input channels and output rows at least one vector wide.</summary>
    public static bool Applies(in PatchGeometry g, int vectorLanes) =>
        g.StrideHeight == 1 && g.StrideWidth == 1 && g.Channels <= MaxChannels && g.OutWidth >= vectorLanes;
}
