using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>Single-precision general matrix multiply over row-major spans.</summary>
public static class Gemm
{
    /// <summary>
    /// Computes C := alpha * op(A) * op(B) + beta * C, all row-major.
    /// op(A) is (M, K): A is stored (M, K) with row stride <paramref name="lda"/>, or (K, M) when transposed.
    /// op(B) is (K, N): B is stored (K, N) with row stride <paramref name="ldb"/>, or (N, K) when transposed.
    /// C is (M, N) with row stride <paramref name="ldc"/>. When beta is 0, C is not read (it may hold NaN).
    /// Thread-safe; splits large products across <see cref="Threading.KernelThreadScope.CurrentThreadCount"/> threads.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A leading dimension is smaller than its row width, or a span is shorter than its shape needs.</exception>
    public static unsafe void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        bool tA = transA == Transpose.Yes, tB = transB == Transpose.Yes;
        Require.Matrix(a, lda, rows: tA ? k : m, cols: tA ? m : k);
        Require.Matrix(b, ldb, rows: tB ? n : k, cols: tB ? k : n);
        Require.Matrix(c, ldc, rows: m, cols: n);

        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (m <= SmallRowKernel<SimdScalar, float>.MaxRows)
            {
                // Scoring one sample: packing B would copy more memory than the product reads.
                var problem = new GemmProblem(tA, tB, m, n, k, alpha, lda, ldb, beta, ldc);
                switch (KernelSettings.EffectiveVectorWidth)
                {
                    case VectorWidth.Bits512: SmallRowKernel<Simd512, Vector512<float>>.Run(problem, pa, pb, pc); break;
                    case VectorWidth.Bits256: SmallRowKernel<Simd256, Vector256<float>>.Run(problem, pa, pb, pc); break;
                    case VectorWidth.Bits128: SmallRowKernel<Simd128, Vector128<float>>.Run(problem, pa, pb, pc); break;
                    default: SmallRowKernel<SimdScalar, float>.Run(problem, pa, pb, pc); break;
                }
                return;
            }
            var op = new GemmOperands(tA, tB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            // Tile shapes: 8x32 measured best (with 6x64 and 4x64) among 6..14 rows x 2..4 vectors on Zen 5 and wastes
            // the least padding on this project's M = 16/32/64 layers; 6x2 vectors is the classic shape for 16-register ISAs.
            switch (KernelSettings.EffectiveVectorWidth)
            {
                case VectorWidth.Bits512:
                    GemmDriver<MicroKernel<EightRows, Simd512, Vector512<float>>>.Multiply(op);
                    break;
                case VectorWidth.Bits256:
                    GemmDriver<MicroKernel<SixRows, Simd256, Vector256<float>>>.Multiply(op);
                    break;
                case VectorWidth.Bits128:
                    GemmDriver<MicroKernel<SixRows, Simd128, Vector128<float>>>.Multiply(op);
                    break;
                default:
                    GemmDriver<MicroKernel<SixRows, SimdScalar, float>>.Multiply(op);
                    break;
            }
        }
    }

    /// <summary>Densely packed overload: leading dimensions follow from the shapes.</summary>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Multiply(transA, transB, m, n, k, alpha,
            a, transA == Transpose.No ? k : m,
            b, transB == Transpose.No ? n : k,
            beta, c, n);

    /// <summary>C := beta * C, the whole product when k or alpha is 0 (C is only written when beta is 0).</summary>
    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f)
                row.Clear();
            else if (beta != 1f)
            {
                for (int j = 0; j < n; j++)
                    row[j] *= beta;
            }
        }
    }
}
