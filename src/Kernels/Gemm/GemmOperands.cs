namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// One validated GEMM call as raw pointers, so the blocked loops (and the worker threads they fan out to) can pass it by value.
/// The pointers stay valid because <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
/// keeps the spans pinned until every worker has returned.
/// </summary>
internal readonly unsafe struct GemmOperands
{
    public readonly float* A;
    public readonly float* B;
    public readonly float* C;
    public readonly nint Lda;
    public readonly nint Ldb;
    public readonly nint Ldc;
    public readonly bool TransA;
    public readonly bool TransB;
    public readonly int M;
    public readonly int N;
    public readonly int K;
    public readonly float Alpha;
    public readonly float Beta;

    public GemmOperands(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        TransA = transA; TransB = transB; M = m; N = n; K = k; Alpha = alpha; Beta = beta;
        A = a; Lda = lda; B = b; Ldb = ldb; C = c; Ldc = ldc;
    }
}
