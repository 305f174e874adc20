using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// GEMM with B packed once and reused: a recurrent layer multiplies the same weights at every step, and repacking them
/// per step cost as much as a fifth of the product. The packed layout is the blocked one of <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
/// for the SIMD width in effect, so pack and multiply under the same <see cref="KernelSettings.MaxVectorWidth"/>.
/// Single-threaded: the caller splits rows across threads; results do not depend on the split.
/// </summary>
public static class PackedGemm
{
    /// <summary>Floats a packed (K, N) operand needs on any SIMD width (N rounded up to the widest panel, 32 columns).</summary>
    public static int PackedSize(int n, int k) => (n + 31) / 32 * 32 * k;

    /// <summary>Packs op(B) (K, N): B stored (K, N) with row stride <paramref name="ldb"/>, or (N, K) when transposed.</summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    public static void PackB(Transpose transB, int n, int k, ReadOnlySpan<float> b, int ldb, Span<float> packed)
        => PackBShare(transB, n, k, b, ldb, packed, part: 0, parts: 1);

    /// <summary>
    /// Packs share <paramref name="part"/> of <paramref name="parts"/> of op(B), in place in the layout <see cref="PackB"/>
    /// writes: threads that each pack their share, then meet, leave the same floats as one thread packing it all.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="part"/> is not in [0, <paramref name="parts"/>).</exception>
    public static unsafe void PackBShare(Transpose transB, int n, int k, ReadOnlySpan<float> b, int ldb, Span<float> packed, int part, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if ((uint)part >= (uint)parts)
            throw new ArgumentOutOfRangeException(nameof(part), part, $"Expected a part in [0, {parts}).");
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        bool tB = transB == Transpose.Yes;
        Require.Matrix(b, ldb, rows: tB ? n : k, cols: tB ? k : n);
        if (packed.Length < PackedSize(n, k))
            throw new ArgumentException($"packed has {packed.Length} elements; expected at least {PackedSize(n, k)}.", nameof(packed));
        fixed (float* pb = b, pp = packed)
        {
            var op = new GemmOperands(false, tB, 0, n, k, 1f, null, 0, pb, ldb, 0f, null, 0);
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: GemmDriver<MicroKernel<EightRows, Simd512, Vector512<float>>>.PackSomeB(op, pp, part, parts); break;
                case VectorWidth.Bits256: GemmDriver<MicroKernel<SixRows, Simd256, Vector256<float>>>.PackSomeB(op, pp, part, parts); break;
                case VectorWidth.Bits128: GemmDriver<MicroKernel<SixRows, Simd128, Vector128<float>>>.PackSomeB(op, pp, part, parts); break;
                default: GemmDriver<MicroKernel<SixRows, SimdScalar, float>>.PackSomeB(op, pp, part, parts); break;
            }
        }
    }

    /// <summary>
    /// C := alpha * op(A) * B + beta * C with B from <see cref="PackB"/> (same n and k); op(A) is (M, K), A stored (M, K)
    /// with row stride <paramref name="lda"/> or (K, M) when transposed. When beta is 0, C is not read.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    public static unsafe void Multiply(Transpose transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> packedB, float beta, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        bool tA = transA == Transpose.Yes;
        Require.Matrix(a, lda, rows: tA ? k : m, cols: tA ? m : k);
        Require.Matrix(c, ldc, rows: m, cols: n);
        if (packedB.Length < PackedSize(n, k))
            throw new ArgumentException($"packedB has {packedB.Length} elements; expected at least {PackedSize(n, k)}.", nameof(packedB));
        fixed (float* pa = a, pb = packedB, pc = c)
        {
            var op = new GemmOperands(tA, false, m, n, k, alpha, pa, lda, null, 0, beta, pc, ldc);
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512: GemmDriver<MicroKernel<EightRows, Simd512, Vector512<float>>>.MultiplyPackedB(op, pb); break;
                case VectorWidth.Bits256: GemmDriver<MicroKernel<SixRows, Simd256, Vector256<float>>>.MultiplyPackedB(op, pb); break;
                case VectorWidth.Bits128: GemmDriver<MicroKernel<SixRows, Simd128, Vector128<float>>>.MultiplyPackedB(op, pb); break;
                default: GemmDriver<MicroKernel<SixRows, SimdScalar, float>>.MultiplyPackedB(op, pb); break;
            }
        }
    }
}
