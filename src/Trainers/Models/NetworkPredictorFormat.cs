using MLNet.Extensions.Trainers.Models.Legacy;
using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Saved form of a <see cref="NetworkPredictor"/>: string kind tag ("network"; the older "cnn" and "lstm" are still read),
/// the network in that kind's format, then the training history in <see cref="TrainingHistoryFormat"/>. Components that
/// hold it save it inside a <see cref="Transforms.Persistence.ChecksummedPayload"/> since their checksummed versions.
/// </summary>
internal static class NetworkPredictorFormat
{
    private static readonly Dictionary<string, Func<BinaryReader, NeuralNetwork>> s_readers = new()
    {
        [NetworkFormat.KindTag] = NetworkFormat.Read,
        [LegacyNetworkFormats.CnnKind] = LegacyNetworkFormats.ReadCnn,
        [LegacyNetworkFormats.LstmKind] = LegacyNetworkFormats.ReadLstm,
    };

    /// <summary>Writes kind, network and history.</summary>
    public static void Write(BinaryWriter writer, NetworkPredictor predictor)
    {
        writer.Write(NetworkFormat.KindTag);
        NetworkFormat.Write(writer, predictor.Network);
        TrainingHistoryFormat.Write(writer, predictor.History);
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote, or an older kind (<paramref name="historyWithTimings"/> for files written before
    /// the checksummed versions); <see cref="InvalidDataException"/> says which part is wrong.
    /// </summary>
    public static NetworkPredictor Read(BinaryReader reader, bool historyWithTimings = false)
    {
        string kind = reader.ReadString();
        if (!s_readers.TryGetValue(kind, out var read))
            throw new InvalidDataException($"Unknown network kind '{kind}'; this library reads {string.Join(", ", s_readers.Keys)}.");
        return new NetworkPredictor(read(reader)) { History = TrainingHistoryFormat.Read(reader, historyWithTimings) };
    }
}
