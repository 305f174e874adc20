namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>Dimensions of one GRU layer over a time-major batch: x (T, N, F), h (T, N, H), gate pre-activations (T, N, 3H).</summary>
public readonly record struct GruShape(int Batch, int Steps, int InputSize, int HiddenSize)
{
    /// <summary>Width of the stacked gates r, z, n: 3H.</summary>
    public int GateSize => 3 * HiddenSize;
}
