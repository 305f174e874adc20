using System.Runtime.CompilerServices;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the micro-panel layout the micro-kernel streams through, zero-padding the last
/// partial panel so the kernel always runs a full MR x NR tile.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>
    /// op(A)[ic..ic+mc, pc..pc+kc] into ceil(mc/MR) panels, each MR x kc stored by column: dst[panel][p * MR + r].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<TKernel>(in GemmOperands op, int ic, int pc, int mc, int kc, float* dst)
        where TKernel : IMicroKernel
    {
        int mr = TKernel.MR;
        nint lda = op.Lda;
        for (int i0 = 0; i0 < mc; i0 += mr, dst += mr * kc)
        {
            int rows = Math.Min(mr, mc - i0);
            if (!op.TransA)
            {
                // A is (M, K): each row of the panel is contiguous in memory; scatter it down a column of the panel.
                float* src = op.A + (ic + i0) * lda + pc;
                if (mr == 8 && rows == 8 && Transpose8x8.IsEnabled)
                {
                    int p8 = 0;
                    for (; p8 <= kc - 8; p8 += 8)
                        Transpose8x8.Run(src + p8, lda, dst + p8 * 8, 8);
                    for (; p8 < kc; p8++)
                    {
                        for (int r = 0; r < 8; r++)
                            dst[p8 * 8 + r] = src[r * lda + p8];
                    }
                    continue;
                }
                for (int r = 0; r < rows; r++)
                {
                    float* s = src + r * lda;
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++)
                        d[p * mr] = s[p];
                }
                for (int r = rows; r < mr; r++)
                {
                    for (int p = 0; p < kc; p++)
                        dst[p * mr + r] = 0f;
                }
            }
            else
            {
                // A is (K, M): each k step of the panel is MR contiguous values.
                float* src = op.A + pc * lda + ic + i0;
                if (rows == mr)
                {
                    // MR is a JIT-time constant, so this fixed-size copy becomes one or two vector moves per k step
                    // (24 bytes on the 6-row kernels: two overlapping 16-byte moves) instead of MR scalar ones.
                    float* d = dst;
                    for (int p = 0; p < kc; p++, src += lda, d += mr)
                        Unsafe.CopyBlockUnaligned(d, src, (uint)(mr * sizeof(float)));
                    continue;
                }
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + p * lda;
                    float* d = dst + p * mr;
                    int r = 0;
                    for (; r < rows; r++)
                        d[r] = s[r];
                    for (; r < mr; r++)
                        d[r] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// op(B)[pc..pc+kc, jc..jc+nc] into ceil(nc/NR) panels, each kc x NR stored by row: dst[panel][p * NR + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<TKernel>(in GemmOperands op, int pc, int jc, int kc, int nc, float* dst)
        where TKernel : IMicroKernel
    {
        int nr = TKernel.NR;
        nint ldb = op.Ldb;
        for (int j0 = 0; j0 < nc; j0 += nr, dst += nr * kc)
        {
            int cols = Math.Min(nr, nc - j0);
            if (!op.TransB)
            {
                // B is (K, N): each k step of the panel is NR contiguous values.
                float* src = op.B + pc * ldb + jc + j0;
                if (cols == nr)
                {
                    for (int p = 0; p < kc; p++)
                        Unsafe.CopyBlockUnaligned(dst + p * nr, src + p * ldb, (uint)(nr * sizeof(float)));
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + p * ldb;
                        float* d = dst + p * nr;
                        int j = 0;
                        for (; j < cols; j++)
                            d[j] = s[j];
                        for (; j < nr; j++)
                            d[j] = 0f;
                    }
                }
            }
            else
            {
                // B is (N, K): each column of the panel is contiguous in memory; scatter it along a row of the panel.
                float* src = op.B + (jc + j0) * ldb + pc;
                if (nr % 8 == 0 && cols == nr && Transpose8x8.IsEnabled)
                {
                    int p8 = 0;
                    for (; p8 <= kc - 8; p8 += 8)
                    {
                        for (int j8 = 0; j8 < nr; j8 += 8)
                            Transpose8x8.Run(src + j8 * ldb + p8, ldb, dst + p8 * nr + j8, nr);
                    }
                    for (; p8 < kc; p8++)
                    {
                        for (int j = 0; j < nr; j++)
                            dst[p8 * nr + j] = src[j * ldb + p8];
                    }
                    continue;
                }
                for (int j = 0; j < cols; j++)
                {
                    float* s = src + j * ldb;
                    float* d = dst + j;
                    for (int p = 0; p < kc; p++)
                        d[p * nr] = s[p];
                }
                for (int j = cols; j < nr; j++)
                {
                    for (int p = 0; p < kc; p++)
                        dst[p * nr + j] = 0f;
                }
            }
        }
    }
}
