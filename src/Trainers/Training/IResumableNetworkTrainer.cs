using Microsoft.ML;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>A trainer whose fit can be continued: experiment runners spend epochs on promising trials without retraining them.</summary>
public interface IResumableNetworkTrainer
{
    /// <summary>The options the trainer was built with (epochs per call are given to the session instead).</summary>
    NetworkTrainingOptions Options { get; }

    /// <summary>Prepares a fit on <paramref name="trainData"/> with freshly initialized weights; no epoch has run yet.</summary>
    INetworkTrainingSession StartSession(IDataView trainData);
}
