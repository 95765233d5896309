"""Templates written for these tests (CloudFormation YAML short form, JSON, SAM)."""

from __future__ import annotations

import json
from pathlib import Path

HANDLER = (
    "import json, os\n\n\n"
    "def main(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'route': event['requestContext']['routeKey'],"
    " 'table': os.environ.get('TABLE'), 'bucket': os.environ.get('BUCKET'),"
    " 'param': os.environ.get('PARAM'), 'mode': os.environ.get('MODE')})}\n"
)

# Plain CloudFormation, YAML short form: every property from_template reads.
FULL_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: test
    AllowedValues: [test, prod]
  Names:
    Type: CommaDelimitedList
    Default: "alpha,beta"
Mappings:
  Sizes:
    test: {Memory: 512}
    prod: {Memory: 2048}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Or [!Equals [a, a], !Equals [a, b]]]
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: !Sub "${Env}-full"
      Description: Every property
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.type
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $connect
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Auth
      Target: !Sub integrations/${ConnectInteg}
  ConnectInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Handler.Arn}/invocations
  EchoRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: echo
      RouteResponseSelectionExpression: $default
      Target: !Join [/, [integrations, !Ref EchoInteg]]
  EchoResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties:
      ApiId: !Ref Api
      RouteId: !Ref EchoRoute
      RouteResponseKey: $default
  EchoInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Join ["", ["arn:aws:apigateway:", !Ref "AWS::Region", ":lambda:path/2015-03-31/functions/", !GetAtt Handler.Arn, /invocations]]
  NodeRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: node
      Target: !Join [/, [integrations, !Ref NodeInteg]]
  NodeInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri:
        Fn::Sub:
          - arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations
          - Arn: !GetAtt NodeFn.Arn
  ProdOnlyRoute:
    Type: AWS::ApiGatewayV2::Route
    Condition: IsProd
    Properties:
      ApiId: !Ref Api
      RouteKey: prodonly
      Target: !Join [/, [integrations, !Ref EchoInteg]]
  MockRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: mock
      Target: !Join [/, [integrations, !Ref MockInteg]]
  MockInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: MOCK
  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: TokenAuth
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations
      IdentitySource: [route.request.querystring.token]
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Api
      StageName: !Ref Env
      AutoDeploy: true
      DefaultRouteSettings:
        ThrottlingRateLimit: 50
        ThrottlingBurstLimit: 100
      AccessLogSettings:
        DestinationArn: !GetAtt Logs.Arn
        Format: $context.requestId $context.routeKey $context.status
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7
  Domain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: ws.example.com
      DomainNameConfigurations:
        - CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc
          EndpointType: REGIONAL
  Mapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    Properties:
      ApiId: !Ref Api
      DomainName: !Ref Domain
      Stage: !Ref Stage
      ApiMappingKey: v1
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${Env}-items"
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: N}
        - {AttributeName: room, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: byRoom
          KeySchema: [{AttributeName: room, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      BillingMode: PAY_PER_REQUEST
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: full-uploads-bucket
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /full/setting
      Type: String
      Value: blue
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: data
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [dynamodb:GetItem, dynamodb:PutItem]
                Resource: [!GetAtt Table.Arn]
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: arn:aws:sqs:us-east-1:123456789012:q
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Handler: handler.main
      Runtime: python3.12
      Timeout: 20
      MemorySize: !FindInMap [Sizes, !Ref Env, Memory]
      Role: !GetAtt Role.Arn
      Code: src
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:shared:3]
      Architectures: [arm64]
      TracingConfig: {Mode: Active}
      Environment:
        Variables:
          TABLE: !Ref Table
          BUCKET: !Ref Uploads
          PARAM: !Ref Setting
          MODE: !If [IsProd, production, !Select [1, !Ref Names]]
          SPLIT: !Select [0, !Split [",", "x,y"]]
          FLAG: !If [Both, "yes", "no"]
          REGION_TEXT: !Sub "${AWS::Region}/${AWS::AccountId}/${AWS::StackName}/${AWS::URLSuffix}"
  AuthFn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.11
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              token = (event.get("queryStringParameters") or {}).get("token")
              effect = "Allow" if token == "letmein" else "Deny"
              return {"principalId": "user", "policyDocument": {"Version": "2012-10-17",
                  "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                  "Resource": event["methodArn"]}]}}
  NodeFn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: "exports.handler = async () => ({statusCode: 200});"
  Unused:
    Type: AWS::SNS::Topic
"""

# SAM: Globals, SimpleTable, InlineCode, policy templates, a python runtime wsnb does not synth.
SAM_YAML = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 9
    Environment:
      Variables:
        SHARED: from-globals
Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Default:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Ws
      RouteKey: $default
      Target: !Sub integrations/${DefaultInteg}
  DefaultInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${DefaultFn.Arn}/invocations
  Old:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Ws
      RouteKey: old
      Target: !Sub integrations/${OldInteg}
  OldInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${OldFn.Arn}/invocations
  Notes:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: noteId, Type: String}
  DefaultFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: default.main
      MemorySize: 1024
      Environment:
        Variables:
          NOTES: !Ref Notes
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Notes}
        - SQSSendMessagePolicy: {QueueName: q}
        - AmazonS3ReadOnlyAccess
        - AWSLambdaBasicExecutionRole
  OldFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.8
      InlineCode: |
        def main(event, context):
            return {"statusCode": 200}
      Handler: index.main
"""

SAM_DEFAULT_HANDLER = (
    "import json, os\n\n\n"
    "def main(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'notes': os.environ['NOTES'],"
    " 'shared': os.environ['SHARED']})}\n"
)


def write_full(root: Path, *, as_json: bool = False) -> Path:
    """The FULL template (YAML short form, or the same as long-form JSON) with its code."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "handler.py").write_text(HANDLER)
    if as_json:
        from wsnb.template._load import parse_file

        yaml_path = root / "full.yaml"
        yaml_path.write_text(FULL_YAML)
        data = parse_file(yaml_path)
        yaml_path.unlink()
        path = root / "full.json"
        path.write_text(json.dumps(data, indent=1))
        return path
    path = root / "full.yaml"
    path.write_text(FULL_YAML)
    return path


def write_sam(root: Path) -> Path:
    (root / "code").mkdir(parents=True, exist_ok=True)
    (root / "code" / "default.py").write_text(SAM_DEFAULT_HANDLER)
    path = root / "template.yml"
    path.write_text(SAM_YAML)
    return path


def default_route_api(function: str, rest: str, *, transform: bool = False) -> str:
    """A WebSocket API (stage Prod) whose ``$default`` route calls the function ``function``
    (a logical id); ``rest`` adds the function and any other resources (indented YAML)."""
    return (
        ("Transform: AWS::Serverless-2016-10-31\n" if transform else "")
        + """Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: A, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $default
      RouteResponseSelectionExpression: $default
      Target: !Sub "integrations/${Integ}"
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${"""
        + function
        + """.Arn}/invocations"
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: Prod, AutoDeploy: true}
"""
        + rest
    )


def write_app(folder: Path, template: str, handler: str) -> Path:
    """A template-built app in ``folder``: ``fn/app.py`` holding ``handler`` and
    ``template.yaml`` holding ``template``; returns the template's path."""
    (folder / "fn").mkdir(exist_ok=True)
    (folder / "fn" / "app.py").write_text(handler)
    path = folder / "template.yaml"
    path.write_text(template)
    return path
