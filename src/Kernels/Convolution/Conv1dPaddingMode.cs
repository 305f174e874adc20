namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>How a 1-D convolution pads its sequences; <see cref="Conv1dPadding.Resolve"/> gives the step counts.</summary>
public enum Conv1dPaddingMode
{
    /// <summary>No padding: only windows that lie wholly inside the sequence.</summary>
    Valid,
    /// <summary>K_eff - 1 zeros split over both ends, the odd one on the right (Keras, TensorFlow); T_out = ceil(T / stride).</summary>
    Same,
    /// <summary>All K_eff - 1 zeros on the left, so output step t sees inputs up to t*stride only (WaveNet, TCN).</summary>
    Causal,
}
