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
    /// Thread-safe; splits large products across <see cref="KernelSettings.ThreadCount"/> threads. Each element of C
    /// sums its K products in the same order whatever the thread count, so results do not depend on it.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension is too small, or a span is too short.</exception>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"Dimensions must not be negative (m={m}, n={n}, k={k}).");
        int aRows = transA == Transpose.No ? m : k, aCols = transA == Transpose.No ? k : m;
        int bRows = transB == Transpose.No ? k : n, bCols = transB == Transpose.No ? n : k;
        CheckOperand(a, aRows, aCols, lda, nameof(a), nameof(lda));
        CheckOperand(b, bRows, bCols, ldb, nameof(b), nameof(ldb));
        CheckOperand(c, m, n, ldc, nameof(c), nameof(ldc));
        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        var problem = new GemmProblem(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, lda, ldb, beta, ldc);
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512:
                GemmDriver<Simd512, Vector512<float>>.Run(problem, a, b, c);
                break;
            case VectorWidth.Bits256:
                GemmDriver<Simd256, Vector256<float>>.Run(problem, a, b, c);
                break;
            case VectorWidth.Bits128:
                GemmDriver<Simd128, Vector128<float>>.Run(problem, a, b, c);
                break;
            default:
                GemmDriver<SimdScalar, float>.Run(problem, a, b, c);
                break;
        }
    }

    /// <summary>Densely packed overload: leading dimensions follow from the shapes.</summary>
    public static void Multiply(
        Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Multiply(transA, transB, m, n, k, alpha,
            a, transA == Transpose.No ? Math.Max(1, k) : Math.Max(1, m),
            b, transB == Transpose.No ? Math.Max(1, n) : Math.Max(1, k),
            beta, c, Math.Max(1, n));

    private static void CheckOperand(ReadOnlySpan<float> span, int rows, int cols, int ld, string name, string ldName)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"{ldName} is {ld}; expected at least {Math.Max(1, cols)} (the row length).", ldName);
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (span.Length < needed)
            throw new ArgumentException($"{name} has {span.Length} elements; a {rows}x{cols} operand with stride {ld} needs {needed}.", name);
    }

    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0)
                row.Clear();
            else if (beta != 1)
            {
                for (int j = 0; j < n; j++)
                    row[j] *= beta;
            }
        }
    }
}
