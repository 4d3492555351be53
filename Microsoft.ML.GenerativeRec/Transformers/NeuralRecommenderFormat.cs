using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Training;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The layout of a neural recommender in an ML.NET model zip: its own <c>Model.key</c> payload and a weights entry.</summary>
internal static class NeuralRecommenderFormat
{
    // 1: the first layout. 2: the payload is length-prefixed and followed by its SHA-256 and that of the weights.
    // 3: the serving settings name the optional user vector column.
    private const int FormatVersion = 3;
    private const int FirstWithUserEmbeddingColumn = 3;
    private const int FirstChecksummedVersion = 2;
    private const int ChecksumBytes = 32;                // SHA-256
    private const string WeightsStreamName = "TorchWeights";
    private const string ModelStreamName = "Model.key";  // ML.NET's name for a component's main entry

    /// <summary>
    /// Writes the model: the format version, then the payload (kind, shape, settings, vocabulary, fallback, history) with
    /// its SHA-256 and the SHA-256 of the weights, which go into their own zip entry.
    /// </summary>
    public static void Save(NeuralRecommender model, ModelSaveContext ctx)
    {
        byte[] payload = Serialize(writer => WritePayload(writer, model));
        byte[] weights = Serialize(w => model.Module.save(w));
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
    /// <exception cref="NotSupportedException"><paramref name="env"/>'s MLContext asks for a GPU that is not usable and does not fall back to the CPU.</exception>
    /// <remarks>
    /// Format 2 checks both checksums before it builds anything, so a damaged zip never sizes a module from corrupted
    /// numbers. Format 1 (no checksums, written before them) is still read; its numbers are only range-checked.
    /// </remarks>
    public static NeuralRecommender Load(ModelLoadContext ctx, EncoderKind expectedKind, ComputeDevice device, IHostEnvironment env)
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

        var (kind, shape, settings, vocabulary, fallback, history) = ReadPayload(payloadReader, expectedKind, version);

        // Resolve the device before creating the module: it is the first call into the torch class, whose static
        // constructor loads TorchSharp's native libraries. A module created first fails with DllNotFoundException in
        // hosts that do not list native assets in a deps.json, such as .NET Interactive notebooks.
        Device target = TorchRuntimeScope.ResolveDevice(device, env);           // the loading MLContext's GpuDeviceId
        var module = EncoderFactory.Create(kind, shape);
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

    private static void WritePayload(BinaryWriter writer, NeuralRecommender model)
    {
        writer.Write((byte)model.Kind);
        WriteShape(writer, model.Shape);
        model.Settings.Write(writer);
        model.Vocabulary.Write(writer);
        writer.Write(model.FallbackRanking.Length);
        foreach (int index in model.FallbackRanking)
        {
            writer.Write(index);
        }

        model.History.Write(writer);
    }

    private static (EncoderKind Kind, EncoderShape Shape, ServingSettings Settings, ItemVocabulary Vocabulary, int[] Fallback, TrainingHistory History)
        ReadPayload(BinaryReader reader, EncoderKind expectedKind, int version)
    {
        var kind = (EncoderKind)reader.ReadByte();
        if (kind != expectedKind)
        {
            throw new InvalidDataException($"The model zip holds a {kind} encoder where a {expectedKind} encoder was expected.");
        }

        EncoderShape shape = ReadShape(reader);
        var settings = ServingSettings.Read(reader, withUserEmbeddingColumn: version >= FirstWithUserEmbeddingColumn);
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
