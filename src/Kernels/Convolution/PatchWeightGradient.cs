using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// The weight gradient as an implicit GEMM over output pixels: dWᵀ (K, O) += patches (K, pixels) x dOutputᵀ (pixels, O).
/// For each block of up to <see cref="PixelBlock"/> pixels of one image, the patch rows are packed straight from the
/// padded image into MR-row micro-panels (8x8 register transposes of the contiguous runs along each output row), dOutput
/// is transposed once into NR-wide micro-panels, and the micro-kernel accumulates into a (K, O) partial that stays in
/// cache for the whole batch share. The partial's rows and columns are padded to whole tiles, so no edge tiles exist.
/// </summary>
internal static unsafe class PatchWeightGradient<TRows, TSimd, TVector>
    where TRows : struct, ITileRows
    where TSimd : struct, ISimd<TVector>
    where TVector : struct
{
    /// <summary>Pixels per depth block of the product: the B micro-panel (PixelBlock x NR) stays in L1.</summary>
    public const int PixelBlock = 256;

    private static int MR => TRows.Count;
    private static int NR => 2 * TSimd.Count;

    /// <summary>Row stride of the partial: O rounded up to whole NR panels.</summary>
    public static int PartialStride(int outChannels) => (outChannels + NR - 1) / NR * NR;

    /// <summary>Rows of the partial: K rounded up to whole MR panels.</summary>
    public static int PartialRows(int depth) => (depth + MR - 1) / MR * MR;

    /// <summary>
    /// Floats from one patch micro-panel to the next: MR * kc, plus 8 - MR spare floats when MR is below 8, because an
    /// 8x8 transpose stored at row stride MR writes 8 - MR floats past the panel's last pixel.
    /// </summary>
    public static int PanelStride(int kc) => MR * kc + (8 - MR);

    /// <summary>
    /// partial (K', O') += patches x dOutputᵀ over a group of padded images; dOutput (images, O, OH, OW).
    /// <paramref name="aPanels"/> holds PartialRows(K) / MR * PanelStride(PixelBlock) floats, <paramref name="bPanel"/> PixelBlock * NR.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(in PatchGeometry g, float* padded, float* dOutput, int images, int* offsets,
        float* aPanels, float* bPanel, float* partial)
    {
        int mr = MR, nr = NR, o = g.OutChannels, pixels = g.OutPixels;
        int rowPanels = PartialRows(g.Depth) / mr, ldp = PartialStride(o);
        for (int image = 0; image < images; image++)
        {
            float* source = padded + (long)image * g.PaddedImage;
            float* gradient = dOutput + (long)image * g.OutImage;
            for (int q0 = 0; q0 < pixels; q0 += PixelBlock)
            {
                int kc = Math.Min(PixelBlock, pixels - q0);
                PackPatches(g, source, offsets, q0, kc, aPanels);
                int panelStride = PanelStride(kc);
                for (int o0 = 0; o0 < o; o0 += nr)
                {
                    PackGradient(gradient, pixels, o, o0, q0, kc, bPanel);
                    for (int t = 0; t < rowPanels; t++)
                        MicroKernel<TRows, TSimd, TVector>.Run(kc, aPanels + t * panelStride, bPanel, partial + (long)t * mr * ldp + o0, ldp, 1f, 1f);
                }
            }
        }
    }

    /// <summary>
    /// aPanels[t][p * MR + r] := patch row t*MR + r at pixel q0 + p (past K: zero, or row K-1 again in 6-row panels). Pixels are taken one output row at a
    /// time; along a row the patch row is a contiguous run of the padded image (stride 1), so 8 rows x 8 pixels are
    /// moved by one register transpose; a row's last 8 pixels are transposed again overlapping the previous block
    /// (same values, same places) instead of falling back to scalar copies. With 6-row panels (AVX2) the transpose
    /// reads the 6 rows plus the sixth again and stores its 8-float columns at stride 6 in pixel order, so each store's
    /// 2 extra floats land on the next pixel's first rows and are overwritten by that pixel's store; past the run's last
    /// pixel they land on the next run's first pixel or the panel's spare floats (<see cref="PanelStride"/>). Measured
    /// on the LeNet weight gradients (one thread, batch 64): see BENCHMARKS.md, "Convolution on AVX2 (Zen 2)".
    /// </summary>
    private static void PackPatches(in PatchGeometry g, float* source, int* offsets, int q0, int kc, float* aPanels)
    {
        int mr = MR, k = g.Depth, ow = g.OutWidth, stride = g.StrideWidth;
        int rowPanels = PartialRows(k) / mr, panelStride = PanelStride(kc);
        bool transpose = (mr == 8 || mr == 6) && stride == 1 && ow >= 8 && Transpose8x8.IsEnabled;
        float** rows = stackalloc float*[8];
        float** shifted = stackalloc float*[8];
        for (int q = q0; q < q0 + kc;)
        {
            int oy = q / ow, ox = q - oy * ow, len = Math.Min(ow - ox, q0 + kc - q), p = q - q0;
            int corner = oy * g.StrideHeight * g.PaddedWidth + ox * stride;
            for (int t = 0; t < rowPanels; t++)
            {
                float* dst = aPanels + t * panelStride + p * mr;
                int k0 = t * mr;
                // 6-row panels transpose the last, partial panel too, its rows past K repeating row K-1: their partial
                // rows are never read back, and real pixels keep them finite (the scalar copy of that one panel cost
                // as much as all the others on the 1->16 layer, K = 25).
                if (transpose && (k0 + mr <= k || mr == 6) && len >= 8)
                {
                    for (int r = 0; r < 8; r++)
                        rows[r] = source + offsets[Math.Min(k0 + Math.Min(r, mr - 1), k - 1)] + corner;
                    for (int i = 0; ; i += 8)
                    {
                        int at = Math.Min(i, len - 8);
                        for (int r = 0; r < 8; r++)
                            shifted[r] = rows[r] + at;
                        Transpose8x8.RunRows(shifted, dst + at * mr, mr);
                        if (at == len - 8)
                            break;
                    }
                    continue;
                }
                for (int r = 0; r < mr; r++)
                {
                    if (k0 + r < k)
                    {
                        float* s = source + offsets[k0 + r] + corner;
                        for (int i = 0; i < len; i++)
                            dst[i * mr + r] = s[i * stride];
                    }
                    else
                    {
                        for (int i = 0; i < len; i++)
                            dst[i * mr + r] = 0f;
                    }
                }
            }
            q += len;
        }
    }

    /// <summary>bPanel[p * NR + j] := dOutput[o0 + j, q0 + p] (zero past O): 8x8 register transposes where whole blocks fit.</summary>
    private static void PackGradient(float* gradient, int pixels, int o, int o0, int q0, int kc, float* bPanel)
    {
        int nr = NR, cols = Math.Min(nr, o - o0);
        bool transpose = Transpose8x8.IsEnabled;
        int j = 0;
        if (transpose)
        {
            for (; j + 8 <= cols; j += 8)
            {
                float* src = gradient + (long)(o0 + j) * pixels + q0;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                    Transpose8x8.Run(src + p, pixels, bPanel + p * nr + j, nr);
                for (; p < kc; p++)
                {
                    for (int r = 0; r < 8; r++)
                        bPanel[p * nr + j + r] = src[(long)r * pixels + p];
                }
            }
        }
        for (; j < cols; j++)
        {
            float* src = gradient + (long)(o0 + j) * pixels + q0;
            for (int p = 0; p < kc; p++)
                bPanel[p * nr + j] = src[p];
        }
        for (; j < nr; j++)
        {
            for (int p = 0; p < kc; p++)
                bPanel[p * nr + j] = 0f;
        }
    }
}
