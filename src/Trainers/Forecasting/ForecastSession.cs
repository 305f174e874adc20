using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>Scratch buffers for one caller of <see cref="LstmForecastModel.Forecast"/>.</summary>
internal sealed class ForecastSession
{
    public ForecastSession(LstmForecastModel model)
    {
        Workspace = model.Network.CreateWorkspace(1);
        Window = new float[model.WindowSize];
        Length = [model.WindowSize];
    }

    /// <summary>The network's workspace for one sequence.</summary>
    public SequentialWorkspace Workspace { get; }

    /// <summary>The standardized window.</summary>
    public float[] Window { get; }

    /// <summary>The window's length, as the network reads lengths.</summary>
    public int[] Length { get; }
}
