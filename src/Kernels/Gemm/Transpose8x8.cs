using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// An 8 x 8 float block transposed in AVX registers, for the two packing cases that read across the panel's grain
/// (A not transposed, B transposed); one block moves 64 floats with 8 loads and 8 stores instead of 64 of each.
/// </summary>
internal static unsafe class Transpose8x8
{
    /// <summary>Whether <see cref="Run"/> may be used: the CPU has AVX and the caller has not capped kernels below 256 bits.</summary>
    public static bool IsEnabled => Avx.IsSupported && KernelSettings.EffectiveVectorWidth >= VectorWidth.Bits256;

    /// <summary>dst[q * dstStride + r] = src[r * srcStride + q] for r, q in [0, 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(float* src, nint srcStride, float* dst, nint dstStride)
        => Store(Avx.LoadVector256(src), Avx.LoadVector256(src + srcStride),
            Avx.LoadVector256(src + 2 * srcStride), Avx.LoadVector256(src + 3 * srcStride),
            Avx.LoadVector256(src + 4 * srcStride), Avx.LoadVector256(src + 5 * srcStride),
            Avx.LoadVector256(src + 6 * srcStride), Avx.LoadVector256(src + 7 * srcStride), dst, dstStride);

    /// <summary>
    /// dst[c * dstStride + r] = src[r * srcStride + c] for r below <paramref name="rows"/> and c below <paramref name="cols"/>:
    /// whole 8x8 blocks by <see cref="Run"/>, the edges one float at a time. Requires <see cref="IsEnabled"/>. Compiled
    /// optimized at its first call, so its blocks are inlined from the start (the convolutions call it once per image).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Matrix(float* src, nint srcStride, int rows, int cols, float* dst, nint dstStride)
    {
        int rows8 = rows & ~7, cols8 = cols & ~7;
        for (int r = 0; r < rows8; r += 8)
        {
            for (int c = 0; c < cols8; c += 8)
                Run(src + r * srcStride + c, srcStride, dst + c * dstStride + r, dstStride);
            for (int c = cols8; c < cols; c++)
            {
                for (int q = r; q < r + 8; q++)
                    dst[c * dstStride + q] = src[q * srcStride + c];
            }
        }
        for (int r = rows8; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
                dst[c * dstStride + r] = src[r * srcStride + c];
        }
    }

    /// <summary>
    /// dst[q * dstStride + r] = rows[r][q] for r, q in [0, 8): rows that are not evenly spaced (patches of an image).
    /// Columns are stored in q order, so a dstStride below 8 leaves column q's first rows where column q - 1 spilled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunRows(float** rows, float* dst, nint dstStride)
        => Store(Avx.LoadVector256(rows[0]), Avx.LoadVector256(rows[1]), Avx.LoadVector256(rows[2]), Avx.LoadVector256(rows[3]),
            Avx.LoadVector256(rows[4]), Avx.LoadVector256(rows[5]), Avx.LoadVector256(rows[6]), Avx.LoadVector256(rows[7]), dst, dstStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, nint dstStride)
    {
        // Interleave row pairs: t0 = a0 b0 a1 b1 | a4 b4 a5 b5, t1 = a2 b2 a3 b3 | a6 b6 a7 b7, ...
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // Gather four rows per column within each 128-bit lane: s0 = a0 b0 c0 d0 | a4 b4 c4 d4, ...
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join the rows a..d and e..h halves of each column.
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
