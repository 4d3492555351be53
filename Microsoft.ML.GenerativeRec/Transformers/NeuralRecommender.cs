using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>
/// A trained encoder with everything needed to serve it: the item vocabulary, the column names, the number of
/// recommendations and a popularity fallback. Owns the TorchSharp module.
/// </summary>
internal sealed class NeuralRecommender : IDisposable
{
    // 1: the first layout. 2: the payload is length-prefixed and followed by its SHA-256 and that of the weights.
    private const int FormatVersion = 2;
    private const int FirstChecksummedVersion = 2;
    private const int ChecksumBytes = 32;                // SHA-256
    private const string WeightsStreamName = "TorchWeights";
    private const string ModelStreamName = "Model.key";  // ML.NET's name for a component's main entry

    private readonly nn.Module _module;
    private readonly int[] _fallbackRanking;     // item indices by training popularity, for histories with no known item
    private readonly object _normalizedItemsLock = new();
    private Tensor? _normalizedItems;

    public NeuralRecommender(EncoderKind kind, EncoderShape shape, nn.Module module, ItemVocabulary vocabulary, int[] fallbackRanking,
        ServingSettings settings, TrainingHistory history, Device device)
    {
        History = history;
        Kind = kind;
        Shape = shape;
        _module = module;
        Encoder = (ISequenceEncoder)module;
        Vocabulary = vocabulary;
        _fallbackRanking = fallbackRanking;
        Settings = settings;
        Device = device;
        _module.eval();
    }

    public EncoderKind Kind { get; }

    public EncoderShape Shape { get; }

    public ISequenceEncoder Encoder { get; }

    public nn.Module Module => _module;

    public ItemVocabulary Vocabulary { get; }

    public ServingSettings Settings { get; }

    public TrainingHistory History { get; }

    public Device Device { get; }

    /// <summary>True when the model reads history times and the request time (HSTU's time bias).</summary>
    public bool UsesTimestamps => Kind == EncoderKind.Hstu && Shape.UseTimeBias;

    public static nn.Module CreateModule(EncoderKind kind, EncoderShape shape)
    {
        using var pause = FinalizerPause.Begin();       // initialisation passes many temporary scalars too
        return kind switch
        {
            EncoderKind.Hstu => new HstuEncoder(shape),
            EncoderKind.SasRec => new SasRecEncoder(shape),
            _ => throw new InvalidDataException($"Unknown encoder kind {(byte)kind}."),
        };
    }

    /// <summary>The top-K item indices and cosine scores for one history of item indices (0 = unknown, skipped).</summary>
    public Recommendation Recommend(ServingRequest request) => RecommendBatch([request])[0];

    /// <summary>
    /// Recommends for many histories with one encoder call: top-K item indices by cosine score, never an item of the
    /// history window; a history without known items gets the popularity fallback.
    /// </summary>
    public Recommendation[] RecommendBatch(IReadOnlyList<ServingRequest> requests)
    {
        int k = Math.Min(Settings.NumberOfRecommendations, Vocabulary.Count);
        var results = new Recommendation[requests.Count];
        var items = new List<long>();
        var times = UsesTimestamps ? new List<long>() : null;
        var offsets = new List<int> { 0 };
        var encoded = new List<int>();                    // which requests go through the encoder
        for (int r = 0; r < requests.Count; r++)
        {
            var request = requests[r];
            int start = items.Count;
            for (int i = 0; i < request.History.Count; i++)
            {
                if (request.History[i] != ItemVocabulary.Padding)
                {
                    items.Add(request.History[i]);
                    times?.Add(request.HistoryTimes![i]);
                }
            }

            if (items.Count == start)
            {
                // Documented fallback: the most popular training items, with score 0.
                results[r] = new Recommendation(_fallbackRanking[..k], new float[k], IsFallback: true);
                continue;
            }

            items.Add(ItemVocabulary.Padding);            // the (unknown) next item closes the row
            times?.Add(request.RequestTime);
            offsets.Add(items.Count);
            encoded.Add(r);
        }

        if (encoded.Count == 0)
        {
            return results;
        }

        var arena = new SequenceArena([.. items], times?.ToArray(), [.. offsets]);
        using var pause = FinalizerPause.Begin();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = arena.BuildBatch([.. Enumerable.Range(0, encoded.Count)], (int)Shape.MaxSequenceLength, Device);
        var outputs = Encoder.Encode(batch.Ids, batch.Lengths, batch.Timestamps);          // [B, n, D]
        var users = SequenceTensors.UserEmbeddings(outputs, batch.Lengths);                 // [B, D]
        var scores = users.matmul(NormalizedItems().t());                                   // [B, V]
        scores.index_fill_(1, tensor(new long[] { ItemVocabulary.Padding }, device: Device), float.NegativeInfinity);
        if (batch.Ids.shape[1] > 0)
        {
            scores.scatter_(1, batch.Ids, full(batch.Ids.shape, float.NegativeInfinity, device: Device));
        }

        var (values, indices) = scores.topk(k, dim: 1);                                     // [B, k]
        float[] topScores = values.cpu().data<float>().ToArray();
        long[] topItems = indices.cpu().data<long>().ToArray();
        for (int b = 0; b < encoded.Count; b++)
        {
            // Excluded items score −∞ and sort last; drop them when fewer than K items remain.
            int count = 0;
            while (count < k && !float.IsNegativeInfinity(topScores[(b * k) + count]))
            {
                count++;
            }

            var rowItems = new int[count];
            for (int i = 0; i < count; i++)
            {
                rowItems[i] = (int)topItems[(b * k) + i];
            }

            results[encoded[b]] = new Recommendation(rowItems, topScores.AsSpan(b * k, count).ToArray(), IsFallback: false);
        }

        return results;
    }

    /// <summary>The L2-normalised item table [V, D], computed once: a fitted model's weights never change.</summary>
    private Tensor NormalizedItems()
    {
        lock (_normalizedItemsLock)
        {
            if (_normalizedItems is null)
            {
                using var noGrad = no_grad();
                _normalizedItems = L2Norm.Normalize(Encoder.ItemEmbeddings).DetachFromDisposeScope();
            }

            return _normalizedItems;
        }
    }

    /// <summary>
    /// Writes the model: the format version, then the payload (kind, shape, settings, vocabulary, fallback, history) with
    /// its SHA-256 and the SHA-256 of the weights, which go into their own zip entry.
    /// </summary>
    public void Save(ModelSaveContext ctx)
    {
        byte[] payload = Serialize(WritePayload);
        byte[] weights = Serialize(w => _module.save(w));
        var writer = ctx.Writer;
        writer.Write(FormatVersion);
        writer.Write(payload.Length);
        writer.Write(payload);
        writer.Write(SHA256.HashData(payload));
        writer.Write(SHA256.HashData(weights));
        ctx.SaveBinaryStream(WeightsStreamName, w => w.Write(weights));
    }

    /// <exception cref="InvalidOperationException">The zip comes from a newer format version.</exception>
    /// <exception cref="InvalidDataException">The zip is damaged (a checksum does not match) or its weights do not match the saved shapes.</exception>
    /// <remarks>
    /// Format 2 checks both checksums before it builds anything, so a damaged zip never sizes a module from corrupted
    /// numbers. Format 1 (no checksums, written before them) is still read; its numbers are only range-checked.
    /// </remarks>
    public static NeuralRecommender Load(ModelLoadContext ctx, EncoderKind expectedKind, ComputeDevice device)
    {
        var reader = ctx.Reader;
        int version = reader.ReadInt32();
        if (version > FormatVersion)
        {
            throw new InvalidOperationException(
                $"The model was saved in format version {version}; this version of Microsoft.ML.GenerativeRec reads versions up to {FormatVersion}. Update the package.");
        }

        if (version < 1)
        {
            throw new InvalidDataException($"The model zip's '{ModelStreamName}' entry claims format version {version}; expected 1 to {FormatVersion}. The file is damaged.");
        }

        byte[]? weightsHash = null;
        BinaryReader payloadReader = reader;
        if (version >= FirstChecksummedVersion)
        {
            int length = reader.ReadInt32();
            byte[] payload = ReadExactly(reader, length);
            byte[] payloadHash = ReadExactly(reader, ChecksumBytes);
            weightsHash = ReadExactly(reader, ChecksumBytes);
            if (!SHA256.HashData(payload).AsSpan().SequenceEqual(payloadHash))
            {
                throw new InvalidDataException(
                    $"The model zip's '{ModelStreamName}' entry is damaged: its SHA-256 checksum does not match. Save the model again or restore the file from a copy.");
            }

            payloadReader = new BinaryReader(new MemoryStream(payload, writable: false));
        }

        var (kind, shape, settings, vocabulary, fallback, history) = ReadPayload(payloadReader, expectedKind);

        // Resolve the device before creating the module: it is the first call into the torch class, whose static
        // constructor loads TorchSharp's native libraries. A module created first fails with DllNotFoundException in
        // hosts that do not list native assets in a deps.json, such as .NET Interactive notebooks.
        Device target = Training.TorchRuntimeScope.ResolveDevice(device);
        var module = CreateModule(kind, shape);
        try
        {
            bool found = ctx.TryLoadBinaryStream(WeightsStreamName, r =>
            {
                byte[] weights = ReadToEnd(r.BaseStream);
                if (weightsHash is not null && !SHA256.HashData(weights).AsSpan().SequenceEqual(weightsHash))
                {
                    throw new InvalidDataException(
                        $"The model zip's '{WeightsStreamName}' entry is damaged: its SHA-256 checksum does not match. Save the model again or restore the file from a copy.");
                }

                using var weightsReader = new BinaryReader(new MemoryStream(weights, writable: false));
                module.load(weightsReader, strict: true);
            });
            if (!found)
            {
                throw new InvalidDataException($"The model zip lacks its '{WeightsStreamName}' entry.");
            }
        }
        catch (InvalidDataException)
        {
            module.Dispose();
            throw;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            module.Dispose();
            throw new InvalidDataException(
                $"The model weights in '{WeightsStreamName}' do not match the saved shapes or are damaged: {Printable(e.Message)}", e);
        }

        module.to(target);
        return new NeuralRecommender(kind, shape, module, vocabulary, fallback, settings, history, target);
    }

    private void WritePayload(BinaryWriter writer)
    {
        writer.Write((byte)Kind);
        WriteShape(writer, Shape);
        Settings.Write(writer);
        Vocabulary.Write(writer);
        writer.Write(_fallbackRanking.Length);
        foreach (int index in _fallbackRanking)
        {
            writer.Write(index);
        }

        History.Write(writer);
    }

    private static (EncoderKind Kind, EncoderShape Shape, ServingSettings Settings, ItemVocabulary Vocabulary, int[] Fallback, TrainingHistory History)
        ReadPayload(BinaryReader reader, EncoderKind expectedKind)
    {
        var kind = (EncoderKind)reader.ReadByte();
        if (kind != expectedKind)
        {
            throw new InvalidDataException($"The model zip holds a {kind} encoder where a {expectedKind} encoder was expected.");
        }

        EncoderShape shape = ReadShape(reader);
        var settings = ServingSettings.Read(reader);
        var vocabulary = ItemVocabulary.Read(reader);
        if (shape.ItemCount != vocabulary.Count + 1)
        {
            throw new InvalidDataException(
                $"The saved encoder has {shape.ItemCount} item rows but the saved vocabulary has {vocabulary.Count} items (+1 padding row); the file is damaged.");
        }

        int fallbackCount = reader.ReadInt32();
        if (fallbackCount < 0 || fallbackCount > vocabulary.Count)
        {
            throw new InvalidDataException($"The saved popularity ranking claims {fallbackCount} items; expected 0 to {vocabulary.Count}. The file is damaged.");
        }

        var fallback = new int[fallbackCount];
        for (int i = 0; i < fallbackCount; i++)
        {
            fallback[i] = reader.ReadInt32();
            if (fallback[i] < 1 || fallback[i] > vocabulary.Count)
            {
                throw new InvalidDataException($"The saved popularity ranking holds item index {fallback[i]}; expected 1 to {vocabulary.Count}. The file is damaged.");
            }
        }

        return (kind, shape, settings, vocabulary, fallback, TrainingHistory.Read(reader));
    }

    private static byte[] Serialize(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads <paramref name="count"/> bytes in chunks, so a damaged length fails at the end of the stream instead of allocating it.</summary>
    private static byte[] ReadExactly(BinaryReader reader, int count)
    {
        if (count < 0)
        {
            throw new InvalidDataException($"The model zip's '{ModelStreamName}' entry claims a block of {count} bytes. The file is damaged.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[Math.Min(count, 1 << 16)];
        while (buffer.Length < count)
        {
            int read = reader.Read(chunk, 0, (int)Math.Min(chunk.Length, count - buffer.Length));
            if (read == 0)
            {
                throw new InvalidDataException(
                    $"The model zip's '{ModelStreamName}' entry ends after {buffer.Length} of {count} expected bytes. The file is damaged or truncated.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static byte[] ReadToEnd(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>A message from TorchSharp that may quote raw bytes of a damaged file, made printable and short.</summary>
    private static string Printable(string message)
    {
        const int MaxLength = 200;
        var text = new StringBuilder(Math.Min(message.Length, MaxLength + 3));
        foreach (char c in message)
        {
            if (text.Length == MaxLength)
            {
                return text.Append("...").ToString();
            }

            text.Append(char.IsControl(c) || char.IsSurrogate(c) || c == '\uFFFD' ? '?' : c);
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _normalizedItems?.Dispose();
        _module.Dispose();
    }

    private static void WriteShape(BinaryWriter writer, EncoderShape shape)
    {
        writer.Write(shape.ItemCount);
        writer.Write(shape.EmbeddingDimension);
        writer.Write(shape.NumberOfBlocks);
        writer.Write(shape.NumberOfHeads);
        writer.Write(shape.MaxSequenceLength);
        writer.Write(shape.PaddedLength);
        writer.Write(shape.QueryKeyDimension);
        writer.Write(shape.ValueDimension);
        writer.Write(shape.FeedForwardDimension);
        writer.Write(shape.InputDropoutRate);
        writer.Write(shape.BlockDropoutRate);
        writer.Write(shape.UseTimeBias);
    }

    private static EncoderShape ReadShape(BinaryReader reader)
    {
        var shape = new EncoderShape(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt64())
        {
            PaddedLength = reader.ReadInt64(),
            QueryKeyDimension = reader.ReadInt64(),
            ValueDimension = reader.ReadInt64(),
            FeedForwardDimension = reader.ReadInt64(),
            InputDropoutRate = reader.ReadDouble(),
            BlockDropoutRate = reader.ReadDouble(),
            UseTimeBias = reader.ReadBoolean(),
        };
        try
        {
            shape.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The saved encoder shape is invalid: {e.Message}", e);
        }

        return shape;
    }
}
