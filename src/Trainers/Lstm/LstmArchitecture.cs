namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>The resolved shape of an LSTM network: its input layout, its recurrent stack and its head.</summary>
/// <param name="MaxSteps">Longest sequence a batch may hold (T).</param>
/// <param name="FeaturesPerStep">Features per step (F).</param>
/// <param name="TrailingFeatures">Per-sequence features after the steps, joined to the last hidden state (E).</param>
/// <param name="HiddenSize">Hidden units per direction of every LSTM layer (H).</param>
/// <param name="LayerCount">Stacked LSTM layers.</param>
/// <param name="Bidirectional">Whether every layer also reads the sequence backwards.</param>
/// <param name="Dropout">Dropout on the outputs of every LSTM layer but the last, while training.</param>
/// <param name="DenseUnits">Units of a ReLU dense layer between the LSTM and the output; 0 for none.</param>
/// <param name="Outputs">Width of the output layer (per step when <paramref name="EveryStep"/>).</param>
/// <param name="EveryStep">Many-to-many: the head runs on every step's output (fixed-length sequences only), else only on the last.</param>
internal sealed record LstmArchitecture(int MaxSteps, int FeaturesPerStep, int TrailingFeatures, int HiddenSize, int LayerCount,
    bool Bidirectional, float Dropout, int DenseUnits, int Outputs, bool EveryStep = false)
{
    /// <summary>Outputs per sample: Outputs, or MaxSteps x Outputs (step-major) for many-to-many.</summary>
    public int SampleOutputs => EveryStep ? MaxSteps * Outputs : Outputs;

    /// <summary>Rows the head processes for a batch of <paramref name="batch"/>.</summary>
    public int HeadRows(int batch) => EveryStep ? batch * MaxSteps : batch;

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Width of a layer's output at one step: H times directions.</summary>
    public int LayerOutput => HiddenSize * Directions;

    /// <summary>Input width per step of layer <paramref name="layer"/>.</summary>
    public int LayerInput(int layer) => layer == 0 ? FeaturesPerStep : LayerOutput;

    /// <summary>Width of what the head reads: last hidden states plus trailing features.</summary>
    public int HeadInput => LayerOutput + TrailingFeatures;

    /// <summary>Floats of one padded sample: T*F + E.</summary>
    public int FeatureSize => MaxSteps * FeaturesPerStep + TrailingFeatures;

    /// <summary>Width feeding the output layer.</summary>
    public int OutputInput => DenseUnits > 0 ? DenseUnits : HeadInput;
}
