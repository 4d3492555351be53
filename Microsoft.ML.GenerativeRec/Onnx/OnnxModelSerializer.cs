using System.Reflection;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>Writes the graph an <see cref="OnnxModelContext"/> collected as an ONNX model file (a <c>ModelProto</c> message).</summary>
/// <remarks>Field numbers are those of onnx/onnx.proto; the model is IR version 7, the one that goes with opset 12.</remarks>
internal static class OnnxModelSerializer
{
    private const long IrVersion = 7;

    // protobuf refuses messages of 2 GiB or more, and ONNX models are one message.
    private const long MaxModelBytes = int.MaxValue;

    /// <summary>Writes the model.</summary>
    /// <param name="model">The graph.</param>
    /// <param name="graphName">The graph's name.</param>
    /// <param name="docString">A description stored in the model.</param>
    /// <param name="stream">Where the model goes.</param>
    /// <exception cref="NotSupportedException">The constants exceed the 2 GB that one ONNX file can hold.</exception>
    public static void Write(OnnxModelContext model, string graphName, string docString, Stream stream)
    {
        long constantBytes = model.Initializers.Sum(i => i.RawData?.LongLength ?? i.Strings!.Sum(s => (long)s.Length * 3));
        if (constantBytes >= MaxModelBytes)
        {
            throw new NotSupportedException(
                $"The model's weights and id tables take {constantBytes / 1e9:F1} GB; an ONNX file holds at most 2 GB (one protobuf message).");
        }

        var writer = new ProtobufWriter();
        writer.Varint(1, IrVersion);                                                   // ir_version
        writer.String(2, "Microsoft.ML.GenerativeRec");                                // producer_name
        writer.String(3, typeof(OnnxModelSerializer).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0");         // producer_version
        writer.String(6, docString);                                                   // doc_string
        writer.Message(7, graph => WriteGraph(graph, model, graphName));               // graph
        writer.Message(8, opset => OperatorSet(opset, "", OnnxModelContext.OpSetVersion));            // opset_import
        writer.Message(8, opset => OperatorSet(opset, "ai.onnx.ml", OnnxModelContext.MLOpSetVersion));
        writer.CopyTo(stream);
    }

    private static void OperatorSet(ProtobufWriter writer, string domain, long version)
    {
        writer.String(1, domain);
        writer.Varint(2, version);
    }

    private static void WriteGraph(ProtobufWriter writer, OnnxModelContext model, string name)
    {
        foreach (var node in model.Nodes)
        {
            writer.Message(1, n => WriteNode(n, node));
        }

        writer.String(2, name);
        foreach (var initializer in model.Initializers)
        {
            writer.Message(5, t => WriteTensor(t, initializer));
        }

        foreach (var input in model.Inputs)
        {
            writer.Message(11, v => WriteValueInfo(v, input));
        }

        foreach (var output in model.Outputs)
        {
            writer.Message(12, v => WriteValueInfo(v, output));
        }
    }

    private static void WriteNode(ProtobufWriter writer, OnnxModelNode node)
    {
        foreach (string input in node.Inputs)
        {
            writer.String(1, input);
        }

        foreach (string output in node.Outputs)
        {
            writer.String(2, output);
        }

        writer.String(3, node.Name);
        writer.String(4, node.OpType);
        foreach (var attribute in node.Attributes)
        {
            writer.Message(5, a => WriteAttribute(a, attribute));
        }

        writer.String(7, node.Domain);
    }

    private static void WriteAttribute(ProtobufWriter writer, OnnxAttribute attribute)
    {
        writer.String(1, attribute.Name);
        switch (attribute.Kind)
        {
            case OnnxAttributeKind.Float:
                writer.Float(2, attribute.Float);
                break;
            case OnnxAttributeKind.Int:
                writer.Varint(3, attribute.Int);
                break;
            case OnnxAttributeKind.String:
                writer.String(4, attribute.Text!);
                break;
            case OnnxAttributeKind.Floats:
                writer.PackedFloats(7, attribute.Floats!);
                break;
            case OnnxAttributeKind.Ints:
                writer.PackedVarints(8, attribute.Ints!);
                break;
            case OnnxAttributeKind.Strings:
                foreach (string text in attribute.Texts!)
                {
                    writer.String(9, text);
                }

                break;
        }

        writer.Varint(20, (long)attribute.Kind);                                       // type
    }

    private static void WriteTensor(ProtobufWriter writer, OnnxInitializer tensor)
    {
        if (tensor.Dims.Count > 0)
        {
            writer.PackedVarints(1, tensor.Dims);
        }

        writer.Varint(2, tensor.ElementType);
        if (tensor.Strings is { } strings)
        {
            foreach (string text in strings)
            {
                writer.String(6, text);                                                // string_data
            }
        }

        writer.String(8, tensor.Name);
        if (tensor.RawData is { } raw)
        {
            writer.Bytes(9, raw);                                                      // raw_data
        }
    }

    private static void WriteValueInfo(ProtobufWriter writer, OnnxValueInfo value)
    {
        writer.String(1, value.Name);
        writer.Message(2, type => type.Message(1, tensor =>                            // TypeProto.tensor_type
        {
            tensor.Varint(1, value.ElementType);
            tensor.Message(2, shape =>
            {
                foreach (var dimension in value.Shape)
                {
                    shape.Message(1, d =>
                    {
                        if (dimension.Parameter is { } parameter)
                        {
                            d.String(2, parameter);                                    // dim_param
                        }
                        else
                        {
                            d.Varint(1, dimension.Size);                               // dim_value
                        }
                    });
                }
            });
        }));
    }
}
