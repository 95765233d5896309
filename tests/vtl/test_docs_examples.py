"""AWS's documented mapping-template examples, rendered and compared with the documented output.

Each test names the AWS page it comes from. WebSocket pages first; then REST API pages whose
examples use the same ``$input``/``$util`` semantics (API Gateway runs one Velocity for both).
"""

from __future__ import annotations

import json

import pytest

from wsnb.vtl import MappingContext, render

pytest.importorskip("airspeed")


def _render(template: str, body: str = "", **context) -> str:
    return render(template, MappingContext(body=body, context=context))


# ---- "API Gateway WebSocket API mapping template reference" -------------------------------

PETS = json.dumps(
    {
        "pets": [
            {"id": 1, "type": "dog", "price": 249.99},
            {"id": 2, "type": "cat", "price": 124.99},
            {"id": 3, "type": "fish", "price": 0.99},
        ]
    }
)


def test_input_path_pets_count_is_3():
    # "$input.path('$.pets').count() would return "3"" (the REST page writes .size())
    assert _render("$input.path('$.pets').count()", PETS) == "3"
    assert _render("$input.path('$.pets').size()", PETS) == "3"


def test_input_json_returns_a_json_string_of_the_pets_structure():
    # "$input.json('$.pets') will return a JSON string representing the pets structure"
    out = _render("$input.json('$.pets')", PETS)
    assert json.loads(out) == json.loads(PETS)["pets"]


def test_input_path_returns_an_object_navigable_in_vtl():
    # "returns a JSON object representation of the result. This allows you to access and
    # manipulate elements of the payload natively in VTL"
    template = "#set($p = $input.path('$.pets'))$p[1].type $p.get(2).price $p[0].id"
    assert _render(template, PETS) == "cat 0.99 1"


def test_input_body_returns_the_raw_payload_as_a_string():
    raw = '{"a": [1, 2],  "b": "x"}'
    assert _render("$input.body", raw) == raw


def test_util_parse_json_example_gives_documented_output():
    # $util.parseJson(): the documented payload, template and output
    body = json.dumps({"errorMessage": json.dumps({"key1": "var1", "key2": {"arr": [1, 2, 3]}})})
    template = (
        "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n"
        "{\n"
        '   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]\n'
        "}\n"
    )
    assert json.loads(_render(template, body)) == {"errorMessageObjKey2ArrVal": 1}


def test_util_escape_javascript_turns_single_quotes_into_escaped_ones():
    # "This function will turn any regular single quotes (') into escaped ones (\')"
    body = json.dumps({"data": "it's"})
    assert _render("$util.escapeJavaScript($input.path('$.data'))", body) == "it\\'s"


def test_util_escape_javascript_then_replace_all_is_valid_json_as_documented():
    # "... you must turn any escaped single quotes (\') back to regular single quotes (')":
    # $util.escapeJavaScript(data).replaceAll("\\'","'")
    data = 'it\'s "quoted" \\ and /slashed/\nnew line'
    body = json.dumps({"data": data})
    template = '{"v": "$util.escapeJavaScript($input.path(\'$.data\')).replaceAll("\\\\\'","\'")"}'
    assert json.loads(_render(template, body)) == {"v": data}


def test_authorizer_values_are_stringified():
    # "$context.authorizer.numKey returns the "1" string, and calling
    # $context.authorizer.boolKey returns the "true" string"
    authorizer = {"key": "value", "numKey": 1, "boolKey": True}
    out = _render(
        '["$context.authorizer.key", "$context.authorizer.numKey", "$context.authorizer.boolKey"]',
        authorizer=authorizer,
    )
    assert json.loads(out) == ["value", "1", "true"]


def test_error_message_string_is_the_quoted_message():
    # "$context.error.messageString: The quoted value of $context.error.message"
    out = _render('{"m": $context.error.messageString}', error={"message": "Forbidden"})
    assert json.loads(out) == {"m": "Forbidden"}


def test_request_id_is_the_extended_request_id():
    # "$context.requestId: Same as $context.extendedRequestId"
    assert _render("$context.extendedRequestId", requestId="abc") == "abc"


def test_stage_variables_in_the_three_documented_forms():
    # $stageVariables.<name>, $stageVariables['<name>'], ${stageVariables['<name>']}
    ctx = MappingContext(stage_variables={"lambdaAlias": "prod"})
    out = render("$stageVariables.lambdaAlias|$stageVariables['lambdaAlias']|"
                 "${stageVariables['lambdaAlias']}", ctx)  # fmt: skip
    assert out == "prod|prod|prod"


def test_every_documented_context_variable_renders():
    context = {
        "connectionId": "L0SM9cOFvHcCIhw=",
        "connectedAt": 1547230720092,
        "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "eventType": "MESSAGE",
        "messageId": "L0SM9dAovHcAbXg=",
        "routeKey": "sendmessage",
        "requestId": "L0SM9FXVvHcFXaQ=",
        "apiId": "abc123",
        "requestTime": "11/Jan/2019:18:18:40 +0000",
        "requestTimeEpoch": 1547230720093,
        "stage": "dev",
        "status": 200,
        "identity": {"sourceIp": "192.0.2.1", "userAgent": "wscat", "accountId": "123"},
        "authorizer": {"principalId": "me"},
    }
    names = [
        "connectionId", "connectedAt", "domainName", "eventType", "messageId", "routeKey",
        "requestId", "extendedRequestId", "apiId", "requestTime", "requestTimeEpoch", "stage",
        "status", "identity.sourceIp", "identity.userAgent", "identity.accountId",
        "authorizer.principalId",
    ]  # fmt: skip
    template = "{" + ",".join(f'"{n}": "$context.{n}"' for n in names) + "}"
    out = json.loads(_render(template, **context))
    assert out["connectionId"] == "L0SM9cOFvHcCIhw="
    assert out["connectedAt"] == "1547230720092"
    assert out["identity.sourceIp"] == "192.0.2.1"
    assert out["extendedRequestId"] == out["requestId"] == "L0SM9FXVvHcFXaQ="
    assert out["authorizer.principalId"] == "me"
    assert all(out[n] for n in names)


def test_a_context_variable_the_emulator_does_not_have_renders_empty():
    # API Gateway renders an undefined variable as nothing (LocalStack's recordings against AWS
    # show "Hello $name" with no name rendering "Hello "); e.g. cognito fields on WebSockets
    assert _render('"$context.identity.cognitoIdentityId"|$nothing|$!nothing') == '""||'


# ---- a public SAM LLM-chat app (sam-chat-boilerplate): its non-proxy routes' template --------

LLM_CHAT_TEMPLATE = """{
  "requestContext": {
    "domainName": "$context.domainName",
    "stage": "$context.stage",
    "connectionId": "$context.connectionId"
  },
  "body": $input.body
}
"""


def test_llm_chat_request_template_gives_an_event_whose_body_is_the_parsed_message():
    message = {"action": "langchain/bedrock", "input": 'Tell me a "joke" — ünïcode'}
    ctx = MappingContext(
        body=json.dumps(message, ensure_ascii=False),
        context={
            "domainName": "127.0.0.1:8765",
            "stage": "local",
            "connectionId": "ZmFrZWNvbm4xMjM=",
            "routeKey": "langchain/bedrock",
        },
    )
    event = json.loads(render(LLM_CHAT_TEMPLATE, ctx))
    assert event == {
        "requestContext": {
            "domainName": "127.0.0.1:8765",
            "stage": "local",
            "connectionId": "ZmFrZWNvbm4xMjM=",
        },
        "body": message,
    }
    assert isinstance(event["body"], dict)  # the function reads body["input"]


def test_llm_chat_shaped_template_with_route_key_and_connection_id():
    template = (
        '{"requestContext": {"routeKey": "$context.routeKey", "connectionId": '
        '"$context.connectionId", "eventType": "$context.eventType"}, "body": $input.body}'
    )
    ctx = MappingContext(
        body='{"action":"chat","prompt":"hi"}',
        context={"routeKey": "chat", "connectionId": "c1=", "eventType": "MESSAGE"},
    )
    event = json.loads(render(template, ctx))
    assert event["requestContext"] == {
        "routeKey": "chat",
        "connectionId": "c1=",
        "eventType": "MESSAGE",
    }
    assert event["body"] == {"action": "chat", "prompt": "hi"}


def test_mock_integration_templates_recorded_against_aws():
    # the request/response templates of mock routes in WebSocket tests recorded against AWS
    assert json.loads(_render('{"statusCode": 200}')) == {"statusCode": 200}
    out = _render(
        '{"statusCode" : 200, "connectionId" : "$context.connectionId", '
        '"principalId" : "$context.authorizer.principalId"}',
        connectionId="abc=",
        authorizer={"principalId": "user-1"},
    )
    assert json.loads(out) == {"statusCode": 200, "connectionId": "abc=", "principalId": "user-1"}


# ---- REST API pages, same $input/$util semantics ---------------------------------------------

PHOTOS = {
    "photos": {
        "page": 1,
        "pages": "1234",
        "perpage": 100,
        "total": "123398",
        "photo": [
            {
                "id": "12345678901",
                "owner": "23456789@A12",
                "secret": "abc123d456",
                "server": "1234",
                "farm": 1,
                "title": "Sample photo 1",
                "ispublic": 1,
                "isfriend": 0,
                "isfamily": 0,
            },
            {
                "id": "23456789012",
                "owner": "34567890@B23",
                "secret": "bcd234e567",
                "server": "2345",
                "farm": 2,
                "title": "Sample photo 2",
                "ispublic": 1,
                "isfriend": 0,
                "isfamily": 0,
            },
        ],
    }
}

PHOTOS_INPUT_TEMPLATE = """#set($inputRoot = $input.path('$'))
{
  "photos": {
    "page": $inputRoot.photos.page,
    "pages": "$inputRoot.photos.pages",
    "perpage": $inputRoot.photos.perpage,
    "total": "$inputRoot.photos.total",
    "photo": [
#foreach($elem in $inputRoot.photos.photo)
      {
        "id": "$elem.id",
        "owner": "$elem.owner",
        "secret": "$elem.secret",
        "server": "$elem.server",
        "farm": $elem.farm,
        "title": "$elem.title",
        "ispublic": $elem.ispublic,
        "isfriend": $elem.isfriend,
        "isfamily": $elem.isfamily
      }#if($foreach.hasNext),#end
\t\t\t
#end
    ]
  }
}"""

PHOTOS_OUTPUT_TEMPLATE = """#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "owner": "$elem.owner",
      "title": "$elem.title",
      "ispublic": $elem.ispublic,
      "isfriend": $elem.isfriend,
      "isfamily": $elem.isfamily
    }#if($foreach.hasNext),#end
\t\t
#end
  ]
}"""


def test_photos_example_input_mapping_reproduces_the_original_data():
    # REST: "Photos example" (input mapping template over the original data)
    assert json.loads(_render(PHOTOS_INPUT_TEMPLATE, json.dumps(PHOTOS))) == PHOTOS


def test_photos_example_output_mapping_gives_the_transformed_data():
    # REST: "Photos example" (output mapping template → transformed data)
    keep = ("id", "owner", "title", "ispublic", "isfriend", "isfamily")
    expected = {"photos": [{k: p[k] for k in keep} for p in PHOTOS["photos"]["photo"]]}
    assert json.loads(_render(PHOTOS_OUTPUT_TEMPLATE, json.dumps(PHOTOS))) == expected


NEWS = {
    "count": 1,
    "items": [
        {
            "last_updated_date": "2015-04-24",
            "expire_date": "2016-04-25",
            "author_first_name": "John",
            "description": "Sample Description",
            "creation_date": "2015-04-20",
            "title": "Sample Title",
            "allow_comment": "1",
            "author": {"last_name": "Doe", "email": "johndoe@example.com", "first_name": "John"},
            "body": "Sample Body",
            "publish_date": "2015-04-25",
            "version": "1",
            "author_last_name": "Doe",
            "parent_id": 2345678901,
            "article_url": "http://www.example.com/articles/3456789012",
        }
    ],
    "version": 1,
}

NEWS_OUTPUT_TEMPLATE = """#set($inputRoot = $input.path('$'))
{
  "count": $inputRoot.count,
  "items": [
#foreach($elem in $inputRoot.items)
    {
      "creation_date": "$elem.creation_date",
      "title": "$elem.title",
      "author": "$elem.author.first_name $elem.author.last_name",
      "body": "$elem.body",
      "publish_date": "$elem.publish_date",
      "article_url": "$elem.article_url"
    }#if($foreach.hasNext),#end

#end
  ],
  "version": $inputRoot.version
}"""


def test_news_article_example_output_mapping_gives_the_transformed_data():
    # REST: "News article example" — note $inputRoot.count and .items are the payload's keys,
    # not a map's methods
    assert json.loads(_render(NEWS_OUTPUT_TEMPLATE, json.dumps(NEWS))) == {
        "count": 1,
        "items": [
            {
                "creation_date": "2015-04-20",
                "title": "Sample Title",
                "author": "John Doe",
                "body": "Sample Body",
                "publish_date": "2015-04-25",
                "article_url": "http://www.example.com/articles/3456789012",
            }
        ],
        "version": 1,
    }


GROCERY = {
    "department": "produce",
    "categories": ["fruit", "vegetables"],
    "bins": [
        {"category": "fruit", "type": "apples", "price": 1.99, "unit": "pound", "quantity": 232},
        {"category": "fruit", "type": "bananas", "price": 0.19, "unit": "each", "quantity": 112},
        {"category": "vegetables", "type": "carrots", "price": 1.29, "unit": "bag", "quantity": 57},
    ],
}

GROCERY_TEMPLATE = """#set($inputRoot = $input.path('$'))
{
  "choices": [
#foreach($elem in $inputRoot.bins)
    {
      "kind": "$elem.type",
      "suggestedPrice": "$elem.price per $elem.unit",
      "available": $elem.quantity
    }#if($foreach.hasNext),#end
            \n#end
  ]
}"""


def test_grocery_store_mapping_template_gives_the_documented_choices():
    # REST: "Working with models and mapping templates" (Mapping templates section)
    assert json.loads(_render(GROCERY_TEMPLATE, json.dumps(GROCERY))) == {
        "choices": [
            {"kind": "apples", "suggestedPrice": "1.99 per pound", "available": 232},
            {"kind": "bananas", "suggestedPrice": "0.19 per each", "available": 112},
            {"kind": "carrots", "suggestedPrice": "1.29 per bag", "available": 57},
        ]
    }


def test_things_count_and_params_example():
    # REST: "API Gateway mapping template and access logging variable reference", example
    # request and response using $input: "count" : "$input.path('$.things').size()" → "3"
    body = json.dumps({"things": {"1": {}, "2": {}, "3": {}}})
    template = (
        '{"id" : "$input.params(\'id\')", "count" : "$input.path(\'$.things\').size()", '
        "\"things\" : $input.json('$.things')}"
    )
    ctx = MappingContext(body=body, params={"path": {"id": "abc"}})
    assert json.loads(render(template, ctx)) == {
        "id": "abc",
        "count": "3",
        "things": {"1": {}, "2": {}, "3": {}},
    }


def test_json_mapping_template_with_input_json_whole_body_and_key():
    # REST: same page, "Example JSON mapping template using $input": "body" : $input.json('$')
    body = json.dumps({"mykey": {"a": [1, True, None]}, "other": "x"})
    ctx = MappingContext(body=body, params={"querystring": {"name": "me"}})
    out = render('{"name" : "$input.params(\'name\')", "body" : $input.json(\'$\')}', ctx)
    assert json.loads(out) == {"name": "me", "body": json.loads(body)}
    out = render("{\"body\" : $input.json('$.mykey')}", ctx)
    assert json.loads(out) == {"body": {"a": [1, True, None]}}


def test_parameter_mapping_example_passes_all_parameters():
    # REST: same page, "Parameter mapping template example" (all params via $input.params())
    template = """#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
}"""
    params = {"path": {}, "querystring": {"q": "a'b"}, "header": {"Host": "h", "X-A": '"1"'}}
    out = render(template, MappingContext(params=params))
    assert json.loads(out.replace("\\'", "'")) == {"params": params}
