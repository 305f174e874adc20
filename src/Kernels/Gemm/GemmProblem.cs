namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>The scalars of one GEMM call, validated, so the generic driver takes one argument instead of ten.</summary>
internal readonly record struct GemmProblem(
    bool TransposeA, bool TransposeB, int M, int N, int K, float Alpha, int Lda, int Ldb, float Beta, int Ldc);
