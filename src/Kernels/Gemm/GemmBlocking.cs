namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// Cache blocking: KC floats of a packed A row-panel and B column-panel stay in L1 through the micro-kernel's k loop;
/// an MC x KC block of A stays in L2; a KC x NC block of B stays in L3. MR x NR is the register tile.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Depth of one packed panel.</summary>
    public const int KC = 256;

    /// <summary>Rows of A per L2 block (a multiple of MR).</summary>
    public const int MC = 120;

    /// <summary>Columns of B per L3 block.</summary>
    public const int NC = 2048;

    /// <summary>
    /// Below this many multiply-adds (about 200^3) a product stays on one thread: handing work to a second thread costs
    /// tens of microseconds here, more than it saves (64x784x128 measured slower on 2 threads than on 1).
    /// </summary>
    public const long ParallelThreshold = 8L * 1024 * 1024;
}
