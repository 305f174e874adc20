namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>How <see cref="Conv1d"/> turns a pass into GEMMs; tests force each one, callers get <see cref="Automatic"/>.</summary>
internal enum Conv1dLowering
{
    /// <summary><see cref="Taps"/> when the input has at least <see cref="Conv1d.TapMinChannels"/> channels, else <see cref="Windows"/>.</summary>
    Automatic,
    /// <summary>
    /// One GEMM per kernel tap straight on the sequence: with channels-last storage the inputs of tap k for consecutive
    /// output steps are rows of C floats Stride*C apart, so no window is copied, for any stride and dilation; the taps'
    /// products accumulate into the output. Each GEMM's depth is only C, so narrow inputs use <see cref="Windows"/>.
    /// </summary>
    Taps,
    /// <summary>Windows gathered into a (rows, K*C) buffer per block of rows, then one GEMM of depth K*C per block.</summary>
    Windows,
}
