namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>Turns a <see cref="Conv1dPaddingMode"/> into the PadLeft and PadRight of a <see cref="Conv1dShape"/>.</summary>
public static class Conv1dPadding
{
    /// <summary>
    /// Zero steps before and after each sequence for <paramref name="mode"/>, with K_eff = dilation*(kernelSize-1) + 1:
    /// valid (0, 0); same (floor((K_eff-1)/2), ceil((K_eff-1)/2)), the extra step on the right as Keras does;
    /// causal (K_eff-1, 0). Same keeps T_out = T at stride 1 and gives ceil(T / stride) steps otherwise; Keras then pads
    /// only what the stride needs, so at stride &gt; 1 its windows may start one step later than these.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">kernelSize or dilation is below 1, or mode is not defined.</exception>
    public static (int Left, int Right) Resolve(Conv1dPaddingMode mode, int kernelSize, int dilation = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilation, 1);
        int total = dilation * (kernelSize - 1);
        return mode switch
        {
            Conv1dPaddingMode.Valid => (0, 0),
            Conv1dPaddingMode.Same => (total / 2, total - total / 2),
            Conv1dPaddingMode.Causal => (total, 0),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Valid, Same or Causal."),
        };
    }
}
