using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// The stride-1 implicit GEMM on AVX2 without packing B: a panel is 16 output pixels of one output row, so patch row
/// k of the panel is 16 consecutive floats of the padded image at offsets[k] past the panel's corner, and the 6x16
/// micro-kernel loads it from there. Columns past the row's end read the next floats of the padded group (or its
/// slack) and are computed but never stored. Each output gets the same products in the same order as
/// <see cref="PatchGemm{TRows, TSimd, TVector}"/> with 6-row tiles (same depth blocks), so the results are bit-identical;
/// what goes is the packing, about a third of the time on the LeNet layers (figures in BENCHMARKS.md,
/// "Convolution on AVX2 (Zen 2)").
/// </summary>
internal static unsafe class RowPatchGemm
{
    private const int MR = 6, NR = 16;

    /// <summary>
    /// Whether the row panels apply: stride 1, and output rows long enough that the unused columns of each row's last
    /// panel are at most 1/8 of the work (14 of 16 for a 14-wide row, 28 of 32 for 28).
    /// </summary>
    public static bool Applies(in PatchGeometry g)
    {
        int ow = g.OutWidth, panels = (ow + NR - 1) / NR;
        return g.StrideHeight == 1 && g.StrideWidth == 1 && 8 * ow >= 7 * panels * NR;
    }

    /// <summary>
    /// output (images, M, OH, OW) := A x patches(padded) (+ bias, then max(0, .) when <paramref name="relu"/>); A packed
    /// by <see cref="PatchGemm{TRows, TSimd, TVector}.PackWeights"/> with 6-row panels; <paramref name="tile"/> holds
    /// ceil(M/6)*6*16 floats; <paramref name="padded"/> must be readable 16 floats past its last image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in PatchGeometry g, float* padded, int images, float* packedA, int* offsets, float* tile,
        float* output, float* bias, bool relu)
    {
        int m = g.OutChannels, k = g.Depth, panels = (m + MR - 1) / MR, kcMax = GemmBlocking.DepthBlock(k);
        int ow = g.OutWidth, oh = g.OutHeight, pixels = g.OutPixels, wp = g.PaddedWidth;
        for (int image = 0; image < images; image++)
        {
            float* source = padded + (long)image * g.PaddedImage;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox += NR)
                {
                    float* corner = source + oy * wp + ox;
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        float* a = packedA + (long)panels * MR * pc;
                        bool accumulate = pc != 0;
                        for (int t = 0; t < panels; t++)
                            Kernel(kc, a + t * MR * kc, corner, offsets + pc, tile + t * MR * NR, accumulate);
                    }
                    PatchGemm<SixRows, Simd256, Vector256<float>>.Store(g, tile, image * pixels + oy * ow + ox, Math.Min(NR, ow - ox),
                        output, bias, relu);
                }
            }
        }
    }

    /// <summary>tile (6 x 16) := (or +=) a (kc x 6, by column) x the kc rows of 16 floats at corner + offsets[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel(int kc, float* a, float* corner, int* offsets, float* tile, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero;
        Vector256<float> c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero;
        Vector256<float> c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            float* b = corner + offsets[p];
            Vector256<float> b0 = Simd256.Load(b), b1 = Simd256.Load(b + 8);
            Vector256<float> a0 = Simd256.Broadcast(a[0]);
            c00 = Simd256.MultiplyAdd(a0, b0, c00);
            c01 = Simd256.MultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Simd256.Broadcast(a[1]);
            c10 = Simd256.MultiplyAdd(a1, b0, c10);
            c11 = Simd256.MultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Simd256.Broadcast(a[2]);
            c20 = Simd256.MultiplyAdd(a2, b0, c20);
            c21 = Simd256.MultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Simd256.Broadcast(a[3]);
            c30 = Simd256.MultiplyAdd(a3, b0, c30);
            c31 = Simd256.MultiplyAdd(a3, b1, c31);
            Vector256<float> a4 = Simd256.Broadcast(a[4]);
            c40 = Simd256.MultiplyAdd(a4, b0, c40);
            c41 = Simd256.MultiplyAdd(a4, b1, c41);
            Vector256<float> a5 = Simd256.Broadcast(a[5]);
            c50 = Simd256.MultiplyAdd(a5, b0, c50);
            c51 = Simd256.MultiplyAdd(a5, b1, c51);
            a += MR;
        }
        float beta = accumulate ? 1f : 0f;
        TileUpdate.Apply<Simd256, Vector256<float>>(tile, c00, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 8, c01, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + NR, c10, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + NR + 8, c11, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 2 * NR, c20, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 2 * NR + 8, c21, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 3 * NR, c30, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 3 * NR + 8, c31, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 4 * NR, c40, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 4 * NR + 8, c41, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 5 * NR, c50, 1f, beta);
        TileUpdate.Apply<Simd256, Vector256<float>>(tile + 5 * NR + 8, c51, 1f, beta);
    }
}
