namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>Dimensions of one LSTM layer over a time-major batch: x (T, N, F), h and c (T, N, H), gates (T, N, 4H).</summary>
public readonly record struct LstmShape(int Batch, int Steps, int InputSize, int HiddenSize)
{
    /// <summary>Width of the stacked gates i, f, g, o: 4H.</summary>
    public int GateSize => 4 * HiddenSize;
}
